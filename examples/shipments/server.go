package main

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"sync"
	"time"

	jsonpatch "github.com/evanphx/json-patch/v5"
)

// Media types the shipments API reads.
const (
	jsonType       = "application/json"
	mergePatchType = "application/merge-patch+json" // RFC 7386
	jsonPatchType  = "application/json-patch+json"  // RFC 6902
)

// maxBody bounds the request bodies the server reads.
const maxBody = 1 << 20

// server is a small shipments API that keeps each shipment's version in
// its JSON body, as the field "eTag", and sends no ETag header:
//
//   - POST /shipments with a JSON object (application/json) creates a
//     shipment and answers 201 with a Location header and the shipment.
//   - GET /shipments/{id} answers 200 with the shipment, or 404.
//   - PATCH /shipments/{id} takes an RFC 7386 merge patch
//     (application/merge-patch+json) or an RFC 6902 JSON Patch
//     (application/json-patch+json) and an If-Match header holding the
//     shipment's eTag exactly as the body gives it. It answers 200 with
//     the updated shipment; 404 for an unknown id, 415 (with Accept-Patch)
//     for another media type, 428 without If-Match, 412 when If-Match is
//     not the current eTag, 400 for a patch that is not one, and 422 for a
//     patch that cannot be applied or leaves something other than an
//     object.
//
// The server owns three members of every shipment: "id", "updatedAt"
// (the time of the last write, in microseconds, always increasing) and
// "eTag" (that time in base64). Values a client sends for them are
// replaced. The precondition check and the write happen under one mutex,
// so of two PATCHes carrying the same eTag exactly one succeeds.
type server struct {
	now func() time.Time

	mu        sync.Mutex
	last      time.Time                  // updatedAt of the last write
	next      int                        // the id of the next shipment
	shipments map[string]json.RawMessage // by id, as GET returns them
}

// newServer returns a shipments API whose clock is now (time.Now if nil).
func newServer(now func() time.Time) *server {
	if now == nil {
		now = time.Now
	}
	return &server{now: now, next: 1, shipments: map[string]json.RawMessage{}}
}

// handler routes the API's requests; other methods on its paths answer
// 405 with an Allow header.
func (s *server) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /shipments", s.create)
	mux.HandleFunc("GET /shipments/{id}", s.get)
	mux.HandleFunc("PATCH /shipments/{id}", s.patch)
	return mux
}

func (s *server) create(w http.ResponseWriter, r *http.Request) {
	if mediaType(r) != jsonType {
		http.Error(w, "a shipment is created from application/json", http.StatusUnsupportedMediaType)
		return
	}
	body, ok := readBody(w, r)
	if !ok {
		return
	}
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(body, &doc); err != nil || doc == nil {
		http.Error(w, "a shipment is a JSON object", http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	id := strconv.Itoa(s.next)
	s.next++
	out, err := s.store(id, doc)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Location", "/shipments/"+id)
	writeJSON(w, http.StatusCreated, out)
}

func (s *server) get(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	doc, ok := s.shipments[r.PathValue("id")]
	s.mu.Unlock()
	if !ok {
		http.Error(w, "no such shipment", http.StatusNotFound)
		return
	}
	writeJSON(w, http.StatusOK, doc)
}

func (s *server) patch(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	body, ok := readBody(w, r)
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	cur, ok := s.shipments[id]
	if !ok {
		http.Error(w, "no such shipment", http.StatusNotFound)
		return
	}
	ct := mediaType(r)
	if ct != mergePatchType && ct != jsonPatchType {
		w.Header().Set("Accept-Patch", mergePatchType+", "+jsonPatchType)
		http.Error(w, "a shipment is patched with a merge patch or a JSON Patch", http.StatusUnsupportedMediaType)
		return
	}
	match := r.Header.Get("If-Match")
	if match == "" {
		http.Error(w, "send the shipment's eTag in If-Match", http.StatusPreconditionRequired)
		return
	}
	if match != version(cur) {
		http.Error(w, "the shipment has changed: read it again", http.StatusPreconditionFailed)
		return
	}
	var (
		patched []byte
		err     error
	)
	if ct == mergePatchType {
		if !json.Valid(body) {
			http.Error(w, "the merge patch is not JSON", http.StatusBadRequest)
			return
		}
		patched, err = jsonpatch.MergePatch(cur, body)
	} else {
		p, derr := jsonpatch.DecodePatch(body)
		if derr != nil {
			http.Error(w, "not a JSON Patch: "+derr.Error(), http.StatusBadRequest)
			return
		}
		patched, err = p.Apply(cur)
	}
	var doc map[string]json.RawMessage
	if err == nil {
		err = json.Unmarshal(patched, &doc)
	}
	if err != nil || doc == nil {
		http.Error(w, fmt.Sprintf("the patch cannot be applied: %v", errOrNotObject(err)), http.StatusUnprocessableEntity)
		return
	}
	out, err := s.store(id, doc)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// store sets the members the server owns and keeps doc as shipment id.
// The caller holds s.mu.
func (s *server) store(id string, doc map[string]json.RawMessage) (json.RawMessage, error) {
	t := s.now().UTC().Truncate(time.Microsecond)
	if !t.After(s.last) {
		t = s.last.Add(time.Microsecond)
	}
	s.last = t
	stamp := t.Format("2006-01-02T15:04:05.000000Z07:00")
	for k, v := range map[string]string{
		"id":        id,
		"updatedAt": stamp,
		"eTag":      base64.StdEncoding.EncodeToString([]byte(stamp)),
	} {
		b, err := json.Marshal(v)
		if err != nil {
			return nil, err
		}
		doc[k] = b
	}
	out, err := json.Marshal(doc)
	if err != nil {
		return nil, err
	}
	s.shipments[id] = out
	return out, nil
}

// version returns the eTag member of a stored shipment.
func version(doc json.RawMessage) string {
	var v struct {
		ETag string `json:"eTag"`
	}
	_ = json.Unmarshal(doc, &v) // stored shipments are objects with a string eTag
	return v.ETag
}

// readBody reads the request body, answering 413 when it is over maxBody
// and 400 when it cannot be read.
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		http.Error(w, "the body is over "+strconv.Itoa(maxBody)+" bytes", http.StatusRequestEntityTooLarge)
		return nil, false
	case err != nil:
		http.Error(w, "cannot read the body: "+err.Error(), http.StatusBadRequest)
		return nil, false
	}
	return body, true
}

// mediaType returns the media type of the request's Content-Type, without
// parameters ("" if there is none or it cannot be parsed).
func mediaType(r *http.Request) string {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil {
		return ""
	}
	return mt
}

func errOrNotObject(err error) error {
	if err != nil {
		return err
	}
	return errors.New("the result is not an object")
}

func writeJSON(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", jsonType)
	w.WriteHeader(status)
	w.Write(body)
}
