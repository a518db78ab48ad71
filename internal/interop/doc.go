// Package interop starts real WebDAV servers on the loopback interface for
// tests: Apache httpd with mod_dav and mod_dav_fs ([Apache]), and nginx with
// its dav module ([Nginx]). Each call starts a private instance from a
// configuration written into the test's temporary directory, on a free port
// of 127.0.0.1, and stops it when the test ends; the system's own services
// and configuration files are never used or touched.
//
// Every [Server] serves one writable collection at its URL, so a test can PUT,
// GET and DELETE documents there with conditional headers and see how a real
// server answers them: which ETags it makes, whether it honours If-Match and
// If-None-Match, and what two racing writes do.
//
// When the server program or a module it needs is missing, the test is skipped
// with a message that names the Debian package to install. Setting the
// environment variable IFMATCH_INTEROP to "require" turns that skip into a
// failure, so that a CI job cannot pass without running these tests.
//
// When the tests run as root, the servers' worker processes run as the
// unprivileged account the distribution uses for them (www-data on Debian);
// the document root and lock files belong to that account, and the temporary
// directories above them are made traversable. As any other user, the servers
// run as that user.
package interop
