package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"

	"github.com/ifmatch/ifmatch/client"
)

// uncontendedChange is the change both variants make: a counter, a field
// and a member of an array element.
func uncontendedChange(p *Progress) {
	p.Visits++
	p.Bookmark = "review/" + p.Bookmark
	if len(p.Sections) > 1 {
		p.Sections[1].Done = !p.Sections[1].Done
	}
}

func newSDKClient(endpoint string) (*client.StateClient[Progress], error) {
	return client.NewStateClient[Progress](endpoint, &client.LRSOptions{Options: client.Options{
		HTTPClient: &http.Client{Transport: newTransport()},
	}})
}

// seedDocs creates the documents of the given state ids.
func seedDocs(ctx context.Context, srv *server, body []byte, stateIDs []string) error {
	for _, id := range stateIDs {
		p, err := newPlain(srv.URL, docKey(id), srv.http)
		if err != nil {
			return err
		}
		if err := p.put(ctx, body, "", true); err != nil {
			return fmt.Errorf("seeding %s: %w", id, err)
		}
	}
	return nil
}

// readDoc reads a document as a JSON object.
func readDoc(ctx context.Context, srv *server, stateID string) (map[string]any, error) {
	p, err := newPlain(srv.URL, docKey(stateID), srv.http)
	if err != nil {
		return nil, err
	}
	body, _, err := p.get(ctx)
	if err != nil {
		return nil, err
	}
	var doc map[string]any
	err = json.Unmarshal(body, &doc)
	return doc, err
}

// runUncontended: one writer updates 1 KB documents, each once (a GET and a
// PUT), with no added latency, through the SDK's Update and through the
// hand-written loop.
func runUncontended(ctx context.Context, cfg config, log io.Writer) ([]*table, []*summary, error) {
	srv, err := startServer(ctx, 0)
	if err != nil {
		return nil, nil, err
	}
	defer srv.Close()
	g := newGenerator(cfg.seed)
	doc := g.document(1 << 10)
	body := mustJSON(doc)

	sdk, err := newSDKClient(srv.URL)
	if err != nil {
		return nil, nil, err
	}
	hand := &http.Client{Transport: newTransport()}

	variants := []string{"sdk", "hand"}
	type perOp struct{ wall, cpu, allocs, bytes, requests, conns []float64 }
	res := map[string]*perOp{"sdk": {}, "hand": {}}
	keeps := map[string]bool{"sdk": true, "hand": true}
	n := cfg.uncontendedOps
	for round := -1; round < cfg.uncontendedRounds; round++ { // round -1 warms up
		for _, v := range variants {
			ids := make([]string, n)
			for i := range ids {
				ids[i] = fmt.Sprintf("u-%s-%d-%d", v, round, i)
			}
			if err := seedDocs(ctx, srv, body, ids); err != nil {
				return nil, nil, err
			}
			if _, err := srv.counts(); err != nil {
				return nil, nil, err
			}
			m := startMeter()
			for _, id := range ids {
				switch v {
				case "sdk":
					_, err = sdk.Update(ctx, docKey(id), func(p Progress) (Progress, error) {
						uncontendedChange(&p)
						return p, nil
					})
				case "hand":
					var p *plain
					if p, err = newPlain(srv.URL, docKey(id), hand); err == nil {
						err = p.update(ctx, uncontendedChange)
					}
				}
				if err != nil {
					return nil, nil, fmt.Errorf("%s: %w", v, err)
				}
			}
			s := m.stop()
			c, err := srv.counts()
			if err != nil {
				return nil, nil, err
			}
			after, err := readDoc(ctx, srv, ids[0])
			if err != nil {
				return nil, nil, err
			}
			if _, ok := after["device"]; !ok {
				keeps[v] = false
			}
			if after["visits"].(float64) != float64(doc["visits"].(int)+1) {
				return nil, nil, fmt.Errorf("%s: the change is not in the document", v)
			}
			if round < 0 {
				continue
			}
			r := res[v]
			r.wall = append(r.wall, float64(s.Wall)/float64(n))
			r.cpu = append(r.cpu, float64(s.CPU)/float64(n))
			r.allocs = append(r.allocs, float64(s.Allocs)/float64(n))
			r.bytes = append(r.bytes, float64(s.Bytes)/float64(n))
			r.requests = append(r.requests, float64(c.Gets+c.Puts+c.Others)/float64(n))
			r.conns = append(r.conns, float64(c.Conns))
		}
		fmt.Fprintf(log, "  round %d/%d\n", round+1, cfg.uncontendedRounds)
	}
	t := &table{
		title:  fmt.Sprintf("uncontended: one update of a %d-byte document (%.0f%% of its members foreign to the typed view), no added latency, medians of %d rounds of %d updates", len(body), 100*foreignShare(doc), cfg.uncontendedRounds, n),
		header: []string{"variant", "wall µs/update", "CPU µs/update", "allocs/update", "bytes/update", "requests/update", "connections opened/round", "keeps foreign members"},
	}
	name := map[string]string{"sdk": "SDK StateClient.Update", "hand": "hand-written GET + PUT If-Match"}
	for _, v := range variants {
		r := res[v]
		t.add(name[v], num(median(r.wall)/1e3), num(median(r.cpu)/1e3), num(median(r.allocs)), num(median(r.bytes)), num(median(r.requests)), num(median(r.conns)), fmt.Sprint(keeps[v]))
	}
	t.notes = append(t.notes, "The hand-written loop decodes into the typed view and encodes it back, so it drops the members the view does not declare; the SDK keeps them.")
	s, h := res["sdk"], res["hand"]
	sum := newSummary("uncontended").
		set("overhead_ratio", ratio(median(s.wall), median(h.wall))).
		set("cpu_ratio", ratio(median(s.cpu), median(h.cpu))).
		set("allocs_ratio", ratio(median(s.allocs), median(h.allocs))).
		set("bytes_ratio", ratio(median(s.bytes), median(h.bytes)))
	return []*table{t}, []*summary{sum}, nil
}
