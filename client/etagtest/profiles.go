package etagtest

import "net/http"

// Profile names Options that behave like a kind of server met in the field.
type Profile struct {
	// Name is a short name for test names, such as "apache".
	Name string
	// Options configures a Server that behaves that way.
	Options *Options
}

// Profiles returns one Profile per server kind below, in this order:
// Apache, ApacheDigest, NginxDAV, Azurite, S3Compatible, CouchDB,
// JSONServer, RacyLRS. Each call returns new Options.
func Profiles() []Profile {
	return []Profile{
		{"apache", Apache()},
		{"apache-digest", ApacheDigest()},
		{"nginx-dav", NginxDAV()},
		{"azurite", Azurite()},
		{"s3-compatible", S3Compatible()},
		{"couchdb", CouchDB()},
		{"json-server", JSONServer()},
		{"racy-lrs", RacyLRS()},
	}
}

// Apache returns Options like Apache httpd's mod_dav with its default
// FileETag: the ETag is weak for a second after each write, failed
// preconditions answer 412, write answers carry no ETag.
func Apache() *Options {
	return &Options{ETag: WeakAfterWrite, OmitWriteETag: true}
}

// ApacheDigest returns Options like Apache httpd's mod_dav with
// "FileETag Digest": strong ETags, 412 for failed preconditions, no ETag
// on write answers.
func ApacheDigest() *Options {
	return &Options{OmitWriteETag: true}
}

// NginxDAV returns Options like nginx's dav module: If-Match and
// If-None-Match on writes are ignored, write answers carry no ETag. (nginx's
// tags, made of mtime and size, can also stay the same across two writes
// in one second; these Options do not model that.)
func NginxDAV() *Options {
	return &Options{Preconditions: Ignore, OmitWriteETag: true}
}

// Azurite returns Options like the Azure Storage emulator: opaque ETags
// that change on every write, sent on write answers too; 409 for
// If-None-Match "*" onto an existing blob, 412 otherwise.
func Azurite() *Options {
	return &Options{ExistsStatus: http.StatusConflict}
}

// S3Compatible returns Options like an S3-compatible store: 404 for
// If-Match onto a missing object, 412 otherwise, ETags on write answers.
func S3Compatible() *Options {
	return &Options{MissingStatus: http.StatusNotFound}
}

// CouchDB returns Options like CouchDB and pouchdb-server: the version
// lives in the document's "_rev" member, a PUT must carry the current one
// there (If-Match ignored on PUT), and a stale or missing one answers 409.
func CouchDB() *Options {
	return &Options{VersionField: "/_rev", RequireVersionField: true, ConflictStatus: http.StatusConflict}
}

// JSONServer returns Options like json-server (Express): weak ETags, and
// If-Match and If-None-Match on writes ignored.
func JSONServer() *Options {
	return &Options{ETag: Weak, Preconditions: Ignore}
}

// RacyLRS returns Options like the LRSs that check If-Match and then write
// in a second step without a lock, answering writes with 204 and no ETag:
// one request at a time they enforce preconditions, concurrent writes with
// the same If-Match can all succeed.
func RacyLRS() *Options {
	return &Options{Preconditions: CheckThenWrite, OmitWriteETag: true}
}
