package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/ifmatch/ifmatch/statedoc"
)

// This file is what a user writes without the SDK: net/http requests on the
// State Resource, a document decoded into Progress, changed, encoded and
// sent back.

// errPrecondition is a write refused with 412.
var errPrecondition = errors.New("412 Precondition Failed")

// plain is a hand-written State Resource client for one document.
type plain struct {
	http *http.Client
	url  string // the document's URL, query included
}

func newPlain(endpoint string, key statedoc.Key, hc *http.Client) (*plain, error) {
	q, err := key.Query()
	if err != nil {
		return nil, err
	}
	return &plain{http: hc, url: endpoint + "/activities/state?" + q.Encode()}, nil
}

// docKey is the key of a benchmark document.
func docKey(stateID string) statedoc.Key {
	return statedoc.Key{
		ActivityID: "https://example.com/course/bench",
		Agent:      statedoc.Agent{Mbox: "mailto:learner@example.com"},
		StateID:    stateID,
	}
}

// get reads the document: its body and ETag.
func (p *plain) get(ctx context.Context) ([]byte, string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.url, nil)
	if err != nil {
		return nil, "", err
	}
	req.Header.Set("X-Experience-API-Version", "1.0.3")
	resp, err := p.http.Do(req)
	if err != nil {
		return nil, "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, "", err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, "", fmt.Errorf("GET: %s", resp.Status)
	}
	return body, resp.Header.Get("ETag"), nil
}

// put writes body; with ifMatch set it is conditional, with create it
// carries If-None-Match: *, with neither it overwrites.
func (p *plain) put(ctx context.Context, body []byte, ifMatch string, create bool) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, p.url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("X-Experience-API-Version", "1.0.3")
	req.Header.Set("Content-Type", "application/json")
	switch {
	case ifMatch != "":
		req.Header.Set("If-Match", ifMatch)
	case create:
		req.Header.Set("If-None-Match", "*")
	}
	resp, err := p.http.Do(req)
	if err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusPreconditionFailed:
		return errPrecondition
	case resp.StatusCode/100 != 2:
		return fmt.Errorf("PUT: %s", resp.Status)
	}
	return nil
}

// updateOnce is one round of the hand-written loop: GET, decode into
// Progress, change, encode, PUT with If-Match (or without any precondition
// when conditional is false). A refused write returns errPrecondition.
func (p *plain) updateOnce(ctx context.Context, change func(*Progress), conditional bool) error {
	body, etag, err := p.get(ctx)
	if err != nil {
		return err
	}
	var v Progress
	if err := json.Unmarshal(body, &v); err != nil {
		return err
	}
	change(&v)
	out, err := json.Marshal(v)
	if err != nil {
		return err
	}
	if !conditional {
		etag = ""
	}
	return p.put(ctx, out, etag, false)
}

// update is the hand-written loop: updateOnce until a write is not refused.
func (p *plain) update(ctx context.Context, change func(*Progress)) error {
	for {
		err := p.updateOnce(ctx, change, true)
		if !errors.Is(err, errPrecondition) {
			return err
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
}
