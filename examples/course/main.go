// Command course keeps a course's data in the three xAPI document
// resources, as an authoring tool and a grading tool would: course-wide
// settings in the Activity Profile, a learner's preferences in the Agent
// Profile and the learner's progress in the State Resource. The two tools
// change all three at once, each with its own clients; every write is
// conditional, a lost write is merged onto the new version, and at the end
// every change of both tools is there.
//
// By default it runs against an embedded in-memory LRS; -lrs, -user and
// -pass run it against a real one, and -negotiate asks the LRS's /about
// which xAPI version to speak:
//
//	go run ./examples/course
//	go run ./examples/course -lrs https://lrs.example.com/xapi -user key -pass secret -negotiate
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"sort"
	"sync"
	"time"

	"github.com/ifmatch/ifmatch/client"
	"github.com/ifmatch/ifmatch/statedoc"
	"github.com/ifmatch/ifmatch/statedoc/statedoctest"
)

// Settings are the course-wide settings (Activity Profile).
type Settings struct {
	PassMark float64         `json:"passMark,omitempty"`
	Modules  map[string]bool `json:"modules,omitempty"` // module id: enabled
}

// Preferences are the learner's preferences (Agent Profile).
type Preferences struct {
	Language string          `json:"language,omitempty"`
	Flags    map[string]bool `json:"flags,omitempty"`
}

// Progress is the learner's progress in the course (State Resource).
type Progress struct {
	Done   map[string]bool    `json:"done,omitempty"`
	Scores map[string]float64 `json:"scores,omitempty"`
}

func main() {
	lrs := flag.String("lrs", "", "xAPI endpoint of a real LRS (default: an embedded in-memory LRS)")
	user := flag.String("user", "", "Basic auth user name for -lrs")
	pass := flag.String("pass", "", "Basic auth password for -lrs")
	negotiate := flag.Bool("negotiate", false, "ask the LRS's /about which xAPI version to speak")
	flag.Parse()
	if err := run(context.Background(), os.Stdout, *lrs, *user, *pass, *negotiate); err != nil {
		fmt.Fprintln(os.Stderr, "course:", err)
		os.Exit(1)
	}
}

// tool is one application's clients of the three resources.
type tool struct {
	name     string
	settings *client.ActivityProfileClient[Settings]
	prefs    *client.AgentProfileClient[Preferences]
	progress *client.StateClient[Progress]
}

func newTool(name, endpoint string, opts client.LRSOptions) (*tool, error) {
	t := &tool{name: name}
	var err error
	if t.settings, err = client.NewActivityProfileClient[Settings](endpoint, &opts); err != nil {
		return nil, err
	}
	if t.prefs, err = client.NewAgentProfileClient[Preferences](endpoint, &opts); err != nil {
		return nil, err
	}
	if t.progress, err = client.NewStateClient[Progress](endpoint, &opts); err != nil {
		return nil, err
	}
	return t, nil
}

func run(ctx context.Context, out io.Writer, endpoint, user, pass string, negotiate bool) error {
	var srv *statedoctest.Server
	hc := http.DefaultClient
	if endpoint == "" {
		srv = statedoctest.NewServer(nil)
		defer srv.Close()
		endpoint, hc = srv.URL, srv.Client()
	}
	run := time.Now().UnixNano()
	course := fmt.Sprintf("https://example.com/courses/ifmatch-course-%d", run)
	learner := statedoc.Agent{Mbox: fmt.Sprintf("mailto:learner-%d@example.com", run)}
	settingsKey := statedoc.ActivityProfileKey{ActivityID: course, ProfileID: "settings"}
	prefsKey := statedoc.AgentProfileKey{Agent: learner, ProfileID: "https://example.com/profiles/course-prefs"}
	progressKey := statedoc.Key{ActivityID: course, Agent: learner, StateID: "progress"}

	opts := client.LRSOptions{
		Options: client.Options{HTTPClient: hc, Username: user, Password: pass,
			ConflictBackoff: client.FullJitter(time.Millisecond, 50*time.Millisecond)},
		NegotiateVersion: negotiate,
	}
	authoring, err := newTool("authoring", endpoint, opts)
	if err != nil {
		return err
	}
	grading, err := newTool("grading", endpoint, opts)
	if err != nil {
		return err
	}

	// Each tool makes five changes to each resource, all at once.
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		failures []error
		attempts = map[string]int{}
	)
	record := func(what string, n int, err error) {
		mu.Lock()
		defer mu.Unlock()
		if err != nil {
			failures = append(failures, fmt.Errorf("%s: %w", what, err))
		}
		attempts[what] += n
	}
	for _, t := range []*tool{authoring, grading} {
		for i := range 5 {
			module := fmt.Sprintf("%s-module-%d", t.name, i)
			wg.Add(3)
			go func() {
				defer wg.Done()
				r, err := t.settings.Update(ctx, settingsKey, func(s Settings) (Settings, error) {
					if s.Modules == nil {
						s.Modules = map[string]bool{}
					}
					s.Modules[module] = true
					if t.name == "grading" {
						s.PassMark = 0.8
					}
					return s, nil
				})
				record(t.name+" settings", r.Attempts, err)
			}()
			go func() {
				defer wg.Done()
				r, err := t.prefs.Update(ctx, prefsKey, func(p Preferences) (Preferences, error) {
					if p.Flags == nil {
						p.Flags = map[string]bool{}
					}
					p.Flags[module+"-seen"] = true
					if t.name == "authoring" {
						p.Language = "fr-FR"
					}
					return p, nil
				})
				record(t.name+" preferences", r.Attempts, err)
			}()
			go func() {
				defer wg.Done()
				r, err := t.progress.Update(ctx, progressKey, func(p Progress) (Progress, error) {
					if p.Done == nil {
						p.Done = map[string]bool{}
					}
					p.Done[module] = true
					if t.name == "grading" {
						if p.Scores == nil {
							p.Scores = map[string]float64{}
						}
						p.Scores[module] = 0.9
					}
					return p, nil
				})
				record(t.name+" progress", r.Attempts, err)
			}()
		}
	}
	wg.Wait()
	if len(failures) > 0 {
		return errors.Join(failures...)
	}

	version, err := authoring.progress.Version(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "xAPI version: %s\n", version)
	names := make([]string, 0, len(attempts))
	for n := range attempts {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(out, "%-22s 5 updates, Result.Attempts summed: %d\n", n+":", attempts[n])
	}
	if srv != nil {
		refused := 0
		for _, e := range srv.Log() {
			if e.Status == http.StatusPreconditionFailed {
				refused++
			}
		}
		fmt.Fprintf(out, "requests: %d, answered 412: %d\n", len(srv.Log()), refused)
	}

	// Read everything back with a third client and check that nothing is lost.
	s, err := authoring.settings.Get(ctx, settingsKey)
	if err != nil {
		return err
	}
	p, err := authoring.prefs.Get(ctx, prefsKey)
	if err != nil {
		return err
	}
	g, err := authoring.progress.Get(ctx, progressKey)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "settings:    %s\n", s.Raw)
	fmt.Fprintf(out, "preferences: %s\n", p.Raw)
	fmt.Fprintf(out, "progress:    %s\n", g.Raw)
	switch {
	case len(s.Value.Modules) != 10 || s.Value.PassMark != 0.8:
		return fmt.Errorf("settings lost a change: %+v", s.Value)
	case len(p.Value.Flags) != 10 || p.Value.Language != "fr-FR":
		return fmt.Errorf("preferences lost a change: %+v", p.Value)
	case len(g.Value.Done) != 10 || len(g.Value.Scores) != 5:
		return fmt.Errorf("progress lost a change: %+v", g.Value)
	}
	fmt.Fprintln(out, "every change of both tools is there")

	// Clean up after a run against a real LRS.
	if srv == nil {
		errs := []error{
			authoring.settings.Delete(ctx, settingsKey, s.ETag),
			authoring.prefs.Delete(ctx, prefsKey, p.ETag),
			authoring.progress.Delete(ctx, progressKey, g.ETag),
		}
		return errors.Join(errs...)
	}
	return nil
}
