package client

import (
	"context"
	"errors"
	"time"

	"github.com/ifmatch/ifmatch/merge"
	"github.com/ifmatch/ifmatch/statedoc"
)

// ActivityProfileClient reads and writes documents of the xAPI Activity
// Profile Resource: data about an activity as a whole, shared by every
// learner (a course's settings). It behaves as StateClient does — the same
// loop, merges, options, pipeline and errors — on keys of
// statedoc.ActivityProfileKey. Every write carries a precondition, as the
// spec requires on this resource (xAPI 1.0.3 §3.1; 2.0 §4.1.4): If-Match,
// or If-None-Match: * to create. A StateClient, ActivityProfileClient and
// AgentProfileClient are safe for concurrent use; make them with their
// New functions.
type ActivityProfileClient[T any] struct {
	r *resource[T]
}

// NewActivityProfileClient returns a client of the Activity Profile
// Resource of the LRS at endpoint, as NewStateClient does.
func NewActivityProfileClient[T any](endpoint string, opts *LRSOptions) (*ActivityProfileClient[T], error) {
	r, err := newResource[T](endpoint, "activities/profile", opts)
	if err != nil {
		return nil, err
	}
	return &ActivityProfileClient[T]{r: r}, nil
}

// Get reads the document at key; an absent one has Exists false.
func (c *ActivityProfileClient[T]) Get(ctx context.Context, key statedoc.ActivityProfileKey) (Doc[T], error) {
	return c.r.get(ctx, key)
}

// Update applies edit to the document at key and writes it back
// conditionally, replaying edit on the new version after a lost write, as
// StateClient.Update does. An absent document is created.
func (c *ActivityProfileClient[T]) Update(ctx context.Context, key statedoc.ActivityProfileKey, edit func(T) (T, error)) (Result[T], error) {
	return c.r.update(ctx, key, edit)
}

// Save writes ours, made from base, conditionally, and three-way merges
// base, ours and theirs with m after a lost write, as StateClient.Save
// does. A base that does not exist creates the document.
func (c *ActivityProfileClient[T]) Save(ctx context.Context, key statedoc.ActivityProfileKey, base Doc[T], ours T, m merge.Func[T]) (Result[T], error) {
	return c.r.save(ctx, key, base, ours, m)
}

// Delete deletes the document at key if its ETag is etag ("*": whatever
// version exists), as StateClient.Delete does.
func (c *ActivityProfileClient[T]) Delete(ctx context.Context, key statedoc.ActivityProfileKey, etag string) error {
	return c.r.delete(ctx, key, etag)
}

// List returns the profileIds stored for the activity of q (with q.Since,
// only those stored strictly after it).
func (c *ActivityProfileClient[T]) List(ctx context.Context, q statedoc.ActivityProfileList) ([]string, error) {
	return c.r.list(ctx, q, time.Time{}, "profileId") // q's query carries Since
}

// Version returns the X-Experience-API-Version the client sends (see
// StateClient.Version).
func (c *ActivityProfileClient[T]) Version(ctx context.Context) (string, error) {
	return c.r.lrs.version(ctx)
}

// AgentProfileClient reads and writes documents of the xAPI Agent Profile
// Resource: data about a learner across activities (their preferences).
// It behaves as ActivityProfileClient does, on keys of
// statedoc.AgentProfileKey. On cmi5's learner preferences
// (statedoc.LearnerPreferencesProfileID), a 403 from the LMS gives an
// error matching ErrPreferencesForbidden, which a course is to take as
// "no preferences shared" and go on.
type AgentProfileClient[T any] struct {
	r *resource[T]
}

// NewAgentProfileClient returns a client of the Agent Profile Resource of
// the LRS at endpoint, as NewStateClient does.
func NewAgentProfileClient[T any](endpoint string, opts *LRSOptions) (*AgentProfileClient[T], error) {
	r, err := newResource[T](endpoint, "agents/profile", opts)
	if err != nil {
		return nil, err
	}
	return &AgentProfileClient[T]{r: r}, nil
}

// Get reads the document at key; an absent one has Exists false.
func (c *AgentProfileClient[T]) Get(ctx context.Context, key statedoc.AgentProfileKey) (Doc[T], error) {
	d, err := c.r.get(ctx, key)
	return d, preferences(key, err)
}

// Update applies edit to the document at key and writes it back
// conditionally, as ActivityProfileClient.Update does.
func (c *AgentProfileClient[T]) Update(ctx context.Context, key statedoc.AgentProfileKey, edit func(T) (T, error)) (Result[T], error) {
	r, err := c.r.update(ctx, key, edit)
	return r, preferences(key, err)
}

// Save writes ours, made from base, conditionally and with a three-way
// merge after a lost write, as ActivityProfileClient.Save does.
func (c *AgentProfileClient[T]) Save(ctx context.Context, key statedoc.AgentProfileKey, base Doc[T], ours T, m merge.Func[T]) (Result[T], error) {
	r, err := c.r.save(ctx, key, base, ours, m)
	return r, preferences(key, err)
}

// Delete deletes the document at key if its ETag is etag ("*": whatever
// version exists).
func (c *AgentProfileClient[T]) Delete(ctx context.Context, key statedoc.AgentProfileKey, etag string) error {
	return preferences(key, c.r.delete(ctx, key, etag))
}

// List returns the profileIds stored for the agent of q (with q.Since,
// only those stored strictly after it).
func (c *AgentProfileClient[T]) List(ctx context.Context, q statedoc.AgentProfileList) ([]string, error) {
	return c.r.list(ctx, q, time.Time{}, "profileId")
}

// Version returns the X-Experience-API-Version the client sends (see
// StateClient.Version).
func (c *AgentProfileClient[T]) Version(ctx context.Context) (string, error) {
	return c.r.lrs.version(ctx)
}

// preferences marks a 403 on cmi5's learner preferences with
// ErrPreferencesForbidden.
func preferences(key statedoc.AgentProfileKey, err error) error {
	if err == nil || key.ProfileID != statedoc.LearnerPreferencesProfileID || !errors.Is(err, ErrForbidden) {
		return err
	}
	return wrap(ErrPreferencesForbidden, err)
}
