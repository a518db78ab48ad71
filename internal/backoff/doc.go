// Package backoff computes waits between attempts and sleeps for them without
// outliving a context.
package backoff
