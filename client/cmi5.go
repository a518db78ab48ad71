package client

import (
	"context"
	"fmt"

	"github.com/ifmatch/ifmatch/statedoc"
)

// LaunchData reads and decodes cmi5's LMS.LaunchData state document, which
// the LMS writes before it launches an assignable unit for a learner and a
// registration. Its ContextTemplate is to be the context of every
// statement the unit sends. An absent document gives an error matching
// ErrNotFound; a document that is not valid launch data, one matching
// statedoc.ErrInvalidDocument (and ErrInvalidDocument). The unit must not
// write or delete the document: without LRSOptions.LMS, the client refuses
// to (ErrLMSOwned).
func (c *StateClient[T]) LaunchData(ctx context.Context, activityID string, agent statedoc.Agent, registration string) (_ statedoc.LaunchData, err error) {
	key := statedoc.LaunchDataKey(activityID, agent, registration)
	tg, err := c.r.target(ctx, key)
	if err != nil {
		return statedoc.LaunchData{}, err
	}
	ctx, done := c.r.t.eng.obs.start(ctx, "get", tg.resource)
	defer func() { done(Event{Err: err}, recover()) }()
	snap, err := c.r.t.eng.read(ctx, tg.url, httpShape)
	if err != nil {
		return statedoc.LaunchData{}, err
	}
	if !snap.exists {
		return statedoc.LaunchData{}, annotate(ErrNotFound, fmt.Sprintf("no %s for %s", statedoc.LaunchDataStateID, key))
	}
	d, err := statedoc.ParseLaunchData(snap.body)
	if err != nil {
		return statedoc.LaunchData{}, wrap(ErrInvalidDocument, err)
	}
	return d, nil
}

// LearnerPreferences reads and decodes cmi5's cmi5LearnerPreferences agent
// profile of agent. ok is false when the learner has none, or when the LMS
// refuses to share them: the error then matches ErrPreferencesForbidden,
// which a course is to take as "use your own defaults". A document that is
// not valid preferences gives an error matching
// statedoc.ErrInvalidDocument.
func (c *AgentProfileClient[T]) LearnerPreferences(ctx context.Context, agent statedoc.Agent) (p statedoc.LearnerPreferences, ok bool, err error) {
	key := statedoc.LearnerPreferencesKey(agent)
	tg, err := c.r.target(ctx, key)
	if err != nil {
		return p, false, err
	}
	ctx, done := c.r.t.eng.obs.start(ctx, "get", tg.resource)
	defer func() { done(Event{Err: err}, recover()) }()
	snap, err := c.r.t.eng.read(ctx, tg.url, httpShape)
	if err != nil {
		return p, false, preferences(key, err)
	}
	if !snap.exists {
		return p, false, nil
	}
	if p, err = statedoc.ParseLearnerPreferences(snap.body); err != nil {
		return statedoc.LearnerPreferences{}, false, wrap(ErrInvalidDocument, err)
	}
	return p, true, nil
}
