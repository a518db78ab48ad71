// Command articles plays the lost-update story of a blog API on one
// article: editors A and B read the same version, A fixes a typo in the
// body ("teh" becomes "the"), B adds a sentence at its end. Without
// preconditions B's PUT would bring the typo back. Here every PUT carries
// If-Match: A's wins, B's gets 412 Precondition Failed, and B reads the new
// version, merges the two edits of the body word by word (merge.Text) and
// writes again. The final article holds the fix and the sentence.
//
// It prints every request (editor, method, path, If-Match or If-None-Match
// sent, status, ETag returned) and the final article. By default it runs
// against an embedded in-memory document server. -url names an article on
// a real server that sends ETags and takes PUT with If-Match (and, to
// create the article, with If-None-Match: *); the example first writes the
// initial article there, so give it one that may be overwritten:
//
//	go run ./examples/articles
//	go run ./examples/articles -url https://blog.example.com/api/article/4 -user ada -pass secret
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/ifmatch/ifmatch/client"
	"github.com/ifmatch/ifmatch/client/etagtest"
	"github.com/ifmatch/ifmatch/merge"
)

// Article is a blog article as the editors know it.
type Article struct {
	ID     int    `json:"id"`
	Title  string `json:"title"`
	Body   string `json:"body"`
	Status string `json:"status"`
}

// The article both editors start from, and their edits.
const (
	typo     = "teh"
	fixed    = "the"
	body     = "Here is " + typo + " first article of the blog. It has lots of content."
	sentence = " And now it has an extra sentence."
)

// articlePath is where the embedded server keeps the article.
const articlePath = "/api/article/4"

// options says where the example runs.
type options struct {
	url  string // an article on a real server; "" means the embedded server
	user string // Basic auth user name for url
	pass string // Basic auth password for url
}

func main() {
	var o options
	flag.StringVar(&o.url, "url", "", "URL of an article on a real server, overwritten with the initial article (default: an embedded server)")
	flag.StringVar(&o.user, "user", "", "Basic auth user name for -url")
	flag.StringVar(&o.pass, "pass", "", "Basic auth password for -url")
	flag.Parse()
	if err := run(context.Background(), os.Stdout, o); err != nil {
		fmt.Fprintln(os.Stderr, "articles:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, out io.Writer, o options) error {
	base := http.DefaultClient
	u := o.url
	if u == "" {
		srv := etagtest.NewServer(nil)
		defer srv.Close()
		u, base = srv.URL+articlePath, srv.Client()
		fmt.Fprintf(out, "embedded article server at %s\n", srv.URL)
	}
	trace := &tracer{out: out}
	newClient := func(name string) (*client.DocumentClient[Article], error) {
		hc := &http.Client{Transport: trace.wrap(name, base.Transport), Timeout: 30 * time.Second}
		return client.NewDocumentClient[Article](&client.DocumentOptions{Options: client.Options{
			HTTPClient: hc, Username: o.user, Password: o.pass,
		}})
	}
	setup, err := newClient("setup")
	if err != nil {
		return err
	}
	a, err := newClient("A")
	if err != nil {
		return err
	}
	b, err := newClient("B")
	if err != nil {
		return err
	}
	// Both editors' changes are to the body: merged word by word, they
	// both survive; any other conflict keeps the saving editor's value.
	textMerge := merge.FieldUnion[Article](&merge.Options{
		Resolvers: map[string]merge.Resolver{"/body": merge.Text(merge.Ours)},
	})

	fmt.Fprintf(out, "\n-- the article is published with a typo (%q)\n", typo)
	if _, err := setup.Update(ctx, u, func(Article) (Article, error) {
		return Article{ID: 4, Title: "ETags and optimistic concurrency", Body: body, Status: "published"}, nil
	}); err != nil {
		return fmt.Errorf("setting up the article: %w", err)
	}

	fmt.Fprintln(out, "\n-- A and B read the same version")
	docA, err := a.Get(ctx, u)
	if err != nil {
		return err
	}
	docB, err := b.Get(ctx, u)
	if err != nil {
		return err
	}

	fmt.Fprintf(out, "\n-- A fixes %q into %q and saves first\n", typo, fixed)
	oursA := docA.Value
	oursA.Body = strings.Replace(oursA.Body, typo, fixed, 1)
	if _, err := a.Save(ctx, u, docA, oursA, textMerge); err != nil {
		return err
	}

	fmt.Fprintln(out, "\n-- B adds a sentence and saves on the old version: 412, re-read, merge the body, save")
	oursB := docB.Value
	oursB.Body += sentence
	res, err := b.Save(ctx, u, docB, oursB, textMerge)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "B's save: %s after %d attempt(s)\n", res.Outcome, res.Attempts)

	fmt.Fprintln(out, "\n-- the article as the server now holds it")
	final, err := setup.Get(ctx, u)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "%s\n", final.Raw)
	fmt.Fprintf(out, "\nwithout If-Match, B's PUT would have replaced A's version: body %q (the typo is back)\n", oursB.Body)
	if strings.Contains(final.Value.Body, typo) || !strings.HasSuffix(final.Value.Body, sentence) {
		return errors.New("an edit was lost: the final article does not hold both edits")
	}
	fmt.Fprintln(out, "both edits are there: no update was lost")
	return nil
}

// tracer prints one line per exchange, in order, for every client it wraps.
type tracer struct {
	mu  sync.Mutex
	out io.Writer
}

func (t *tracer) wrap(name string, next http.RoundTripper) http.RoundTripper {
	if next == nil {
		next = http.DefaultTransport
	}
	return roundTripFunc(func(req *http.Request) (*http.Response, error) {
		resp, err := next.RoundTrip(req)
		t.mu.Lock()
		defer t.mu.Unlock()
		cond := "-"
		if v := req.Header.Get("If-Match"); v != "" {
			cond = "If-Match: " + v
		} else if v := req.Header.Get("If-None-Match"); v != "" {
			cond = "If-None-Match: " + v
		}
		if err != nil {
			fmt.Fprintf(t.out, "%-5s %-4s %-16s %-20s -> error %v\n", name, req.Method, req.URL.Path, cond, err)
			return resp, err
		}
		etag := resp.Header.Get("ETag")
		if etag == "" {
			etag = "-"
		}
		fmt.Fprintf(t.out, "%-5s %-4s %-16s %-20s -> %d %-19s ETag: %s\n", name, req.Method, req.URL.Path, cond,
			resp.StatusCode, http.StatusText(resp.StatusCode), etag)
		return resp, err
	})
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
