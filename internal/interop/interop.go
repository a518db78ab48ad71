//go:build unix

package interop

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// RequireEnv names the environment variable that, set to "require", makes
// [Apache] and [Nginx] fail a test when the server cannot be found, instead of
// skipping it.
const RequireEnv = "IFMATCH_INTEROP"

// Collection is the path of the writable collection on every server, the path
// of each [Server.URL].
const Collection = "/dav/"

const (
	// startTimeout bounds the wait for a started server to answer.
	startTimeout = 10 * time.Second
	// stopTimeout bounds the wait for a server to exit after SIGTERM, before
	// its whole process group is killed.
	stopTimeout = 10 * time.Second
	// startAttempts is how many free ports are tried when another process
	// takes the chosen one before the server binds it.
	startAttempts = 3
)

// ApacheOptions selects how an [Apache] instance makes ETags and encodes its
// responses. The zero value is Apache's default behaviour.
type ApacheOptions struct {
	// Digest makes ETags from a SHA-1 digest of the file content
	// (FileETag Digest). When false, Apache's default applies: ETags made
	// from the file's size and modification time, which Apache sends as weak
	// tags until a second has passed since the last write.
	Digest bool
	// Deflate compresses JSON responses with mod_deflate for clients that
	// send Accept-Encoding: gzip. Apache then adds "-gzip" to the ETag of a
	// compressed response.
	Deflate bool
}

// Server is one running server, started for one test and stopped when that
// test ends.
type Server struct {
	// URL is the base URL of the writable collection, ending in a slash,
	// such as http://127.0.0.1:41234/dav/.
	URL string
	// Name says which server and configuration this is: "apache",
	// "apache-digest", "apache-deflate", "apache-digest-deflate" or "nginx".
	Name string
	// DocRoot is the directory that URL maps to: the document at
	// URL+"a.json" is the file DocRoot/a.json.
	DocRoot string

	errorLog string // the server's own error log
	output   string // what the process wrote to its stdout and stderr
	proc     *process
}

// Path returns the file that holds the document at s.URL+name.
func (s *Server) Path(name string) string {
	return filepath.Join(s.DocRoot, filepath.FromSlash(name))
}

// ErrorLog returns the text of the server's error log, followed by anything
// the process wrote to its standard output and error, for failure messages.
func (s *Server) ErrorLog() string {
	return readLogs(s.errorLog, s.output)
}

// readLogs returns the text of the error log and the process output file.
func readLogs(errorLog, output string) string {
	var b strings.Builder
	for _, f := range []struct{ title, path string }{
		{"error log", errorLog},
		{"output", output},
	} {
		data, err := os.ReadFile(f.path)
		switch {
		case err != nil:
			fmt.Fprintf(&b, "--- %s %s: %v\n", f.title, f.path, err)
		case len(data) == 0:
			fmt.Fprintf(&b, "--- %s %s: empty\n", f.title, f.path)
		default:
			fmt.Fprintf(&b, "--- %s %s:\n%s", f.title, f.path, data)
			if data[len(data)-1] != '\n' {
				b.WriteByte('\n')
			}
		}
	}
	return b.String()
}

// Apache starts Apache httpd with mod_dav and mod_dav_fs on a free port of
// 127.0.0.1, configured by opts, and stops it when t ends. It skips t (or
// fails it, when [RequireEnv] is "require") if apache2 or one of its modules
// is not installed, and fails t with the server's error log if the server
// does not start.
func Apache(t testing.TB, opts ApacheOptions) *Server {
	t.Helper()
	const pkg = "Debian package apache2"
	bin, ok := findBinary("apache2", "httpd")
	if !ok {
		unavailable(t, "interop: apache2 not installed ("+pkg+")")
	}
	out, err := exec.Command(bin, "-l").CombinedOutput()
	if err != nil {
		unavailable(t, fmt.Sprintf("interop: %s -l failed: %v: %s (%s)", bin, err, out, pkg))
	}
	builtin := string(out)

	var modules []string // mod_*.so base names, without "mod_" and ".so"
	if !containsAny(builtin, "event.c", "prefork.c", "worker.c") {
		modules = append(modules, "mpm_event")
	}
	if !strings.Contains(builtin, "mod_unixd.c") {
		modules = append(modules, "unixd")
	}
	modules = append(modules, "authz_core", "mime", "dav", "dav_fs")
	if opts.Deflate {
		modules = append(modules, "filter", "deflate")
	}
	moddir, ok := apacheModuleDir()
	if !ok {
		unavailable(t, "interop: Apache module mod_dav.so not found ("+pkg+")")
	}
	for i, m := range modules {
		if _, err := os.Stat(filepath.Join(moddir, "mod_"+m+".so")); err == nil {
			continue
		}
		if m == "mpm_event" {
			if _, err := os.Stat(filepath.Join(moddir, "mod_mpm_prefork.so")); err == nil {
				modules[i] = "mpm_prefork"
				continue
			}
		}
		unavailable(t, fmt.Sprintf("interop: Apache module mod_%s.so not found in %s (%s)", m, moddir, pkg))
	}

	name := "apache"
	if opts.Digest {
		name += "-digest"
	}
	if opts.Deflate {
		name += "-deflate"
	}
	l := newLayout(t, name)
	if err := os.WriteFile(filepath.Join(l.dir, "mime.types"),
		[]byte("application/json\tjson\ntext/plain\ttxt\n"), 0o644); err != nil {
		t.Fatalf("interop: %v", err)
	}
	conf := filepath.Join(l.dir, "httpd.conf")
	return start(t, l, bin, func(port int) ([]string, error) {
		var c strings.Builder
		c.WriteString("# Apache httpd with mod_dav for one test; only this file configures it.\n")
		fmt.Fprintf(&c, "ServerRoot %q\n", l.dir)
		c.WriteString("ServerName 127.0.0.1\n")
		fmt.Fprintf(&c, "Listen 127.0.0.1:%d\n", port)
		fmt.Fprintf(&c, "PidFile %q\n", filepath.Join(l.run, "httpd.pid"))
		fmt.Fprintf(&c, "DefaultRuntimeDir %q\n", l.run)
		fmt.Fprintf(&c, "ErrorLog %q\n", l.errorLog)
		c.WriteString("LogLevel warn\n")
		for _, m := range modules {
			fmt.Fprintf(&c, "LoadModule %s_module %q\n", m, filepath.Join(moddir, "mod_"+m+".so"))
		}
		if l.worker != nil {
			fmt.Fprintf(&c, "User %s\nGroup %s\n", l.worker.user, l.worker.group)
		}
		fmt.Fprintf(&c, "TypesConfig %q\n", filepath.Join(l.dir, "mime.types"))
		c.WriteString("Timeout 10\n")
		fmt.Fprintf(&c, "DocumentRoot %q\n", l.htdocs)
		fmt.Fprintf(&c, "DavLockDB %q\n", filepath.Join(l.lock, "DavLock"))
		if opts.Digest {
			c.WriteString("FileETag Digest\n")
		}
		c.WriteString("<Directory />\n  AllowOverride None\n  Require all denied\n</Directory>\n")
		fmt.Fprintf(&c, "<Directory %q>\n  Require all granted\n</Directory>\n", l.htdocs)
		fmt.Fprintf(&c, "<Directory %q>\n  Dav On\n", l.docRoot)
		if opts.Deflate {
			c.WriteString("  AddOutputFilterByType DEFLATE application/json\n")
		}
		c.WriteString("</Directory>\n")
		if err := os.WriteFile(conf, []byte(c.String()), 0o644); err != nil {
			return nil, err
		}
		return []string{"-f", conf, "-DFOREGROUND"}, nil
	})
}

// Nginx starts nginx with its dav module (PUT, DELETE, MKCOL, COPY and MOVE,
// with create_full_put_path) on a free port of 127.0.0.1, and stops it when t
// ends. It skips t (or fails it, when [RequireEnv] is "require") if nginx or
// its dav module is not installed, and fails t with the server's error log if
// the server does not start.
func Nginx(t testing.TB) *Server {
	t.Helper()
	const pkg = "Debian package nginx"
	bin, ok := findBinary("nginx")
	if !ok {
		unavailable(t, "interop: nginx not installed ("+pkg+")")
	}
	out, err := exec.Command(bin, "-V").CombinedOutput()
	if err != nil {
		unavailable(t, fmt.Sprintf("interop: %s -V failed: %v: %s (%s)", bin, err, out, pkg))
	}
	build := string(out)
	if !strings.Contains(build, "--with-http_dav_module") {
		unavailable(t, "interop: nginx has no dav module ("+pkg+")")
	}

	l := newLayout(t, "nginx")
	conf := filepath.Join(l.dir, "nginx.conf")
	// Point every temporary path the build has at the test's directory, so
	// that nginx creates nothing under its compiled-in paths.
	var temps []string
	for _, m := range []string{"proxy", "fastcgi", "uwsgi", "scgi"} {
		if !strings.Contains(build, "--without-http_"+m+"_module") {
			temps = append(temps, m)
		}
	}
	return start(t, l, bin, func(port int) ([]string, error) {
		var c strings.Builder
		c.WriteString("# nginx with its dav module for one test; only this file configures it.\n")
		if l.worker != nil {
			fmt.Fprintf(&c, "user %s %s;\n", l.worker.user, l.worker.group)
		}
		c.WriteString("worker_processes 1;\n")
		fmt.Fprintf(&c, "pid %s;\n", filepath.Join(l.run, "nginx.pid"))
		fmt.Fprintf(&c, "error_log %s warn;\n", l.errorLog)
		c.WriteString("events {\n  worker_connections 64;\n}\n")
		c.WriteString("http {\n")
		c.WriteString("  types {\n    application/json json;\n    text/plain txt;\n  }\n")
		c.WriteString("  default_type application/octet-stream;\n")
		fmt.Fprintf(&c, "  access_log %s;\n", filepath.Join(l.dir, "access.log"))
		fmt.Fprintf(&c, "  client_body_temp_path %s;\n", filepath.Join(l.tmp, "body"))
		for _, m := range temps {
			fmt.Fprintf(&c, "  %s_temp_path %s;\n", m, filepath.Join(l.tmp, m))
		}
		c.WriteString("  server {\n")
		fmt.Fprintf(&c, "    listen 127.0.0.1:%d;\n", port)
		c.WriteString("    server_name 127.0.0.1;\n")
		fmt.Fprintf(&c, "    root %s;\n", l.htdocs)
		fmt.Fprintf(&c, "    location %s {\n", Collection)
		c.WriteString("      dav_methods PUT DELETE MKCOL COPY MOVE;\n")
		c.WriteString("      create_full_put_path on;\n")
		c.WriteString("      dav_access user:rw group:rw all:r;\n")
		c.WriteString("    }\n  }\n}\n")
		if err := os.WriteFile(conf, []byte(c.String()), 0o644); err != nil {
			return nil, err
		}
		return []string{"-p", l.dir + "/", "-c", conf, "-e", l.errorLog, "-g", "daemon off;"}, nil
	})
}

// unavailable skips t with msg, or fails it when RequireEnv is "require".
func unavailable(t testing.TB, msg string) {
	t.Helper()
	if os.Getenv(RequireEnv) == "require" {
		t.Fatal(msg)
	} else {
		t.Skip(msg)
	}
}

// findBinary returns the first of names found in PATH or in /usr/sbin.
func findBinary(names ...string) (string, bool) {
	for _, n := range names {
		if p, err := exec.LookPath(n); err == nil {
			return p, true
		}
		p := filepath.Join("/usr/sbin", n)
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0 {
			return p, true
		}
	}
	return "", false
}

// apacheModuleDir returns the directory that holds Apache's loadable
// modules, as the common distributions lay them out.
func apacheModuleDir() (string, bool) {
	for _, d := range []string{
		"/usr/lib/apache2/modules", // Debian, Ubuntu
		"/usr/lib64/httpd/modules", // Fedora, RHEL
		"/usr/lib/httpd/modules",
		"/usr/lib/apache2", // openSUSE
		"/usr/libexec/apache2",
	} {
		if _, err := os.Stat(filepath.Join(d, "mod_dav.so")); err == nil {
			return d, true
		}
	}
	return "", false
}

func containsAny(s string, subs ...string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

// account is the unprivileged account that a server started by root runs
// its workers as.
type account struct {
	user, group string
	uid, gid    int
}

// workerAccount returns the account that servers started by root run their
// workers as: www-data where it exists (Debian), else nobody. It returns nil
// when the tests do not run as root, since the servers then keep the current
// user.
func workerAccount() (*account, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	for _, name := range []string{"www-data", "nobody"} {
		u, err := user.Lookup(name)
		if err != nil {
			continue
		}
		g, err := user.LookupGroupId(u.Gid)
		if err != nil {
			return nil, fmt.Errorf("group %s of %s: %w", u.Gid, name, err)
		}
		uid, err := strconv.Atoi(u.Uid)
		if err != nil {
			return nil, fmt.Errorf("uid of %s: %w", name, err)
		}
		gid, err := strconv.Atoi(u.Gid)
		if err != nil {
			return nil, fmt.Errorf("gid of %s: %w", name, err)
		}
		return &account{user: u.Username, group: g.Name, uid: uid, gid: gid}, nil
	}
	return nil, errors.New("no www-data or nobody account for the server's workers")
}

// layout is the set of files and directories of one server instance.
type layout struct {
	name     string
	dir      string   // the test's temporary directory: configuration, logs
	run      string   // pid file, runtime files
	errorLog string   // the server's error log
	output   string   // the process's stdout and stderr
	data     string   // everything the workers write, owned by worker
	htdocs   string   // the document root
	docRoot  string   // the collection, htdocs + Collection
	lock     string   // Apache's DAV lock database
	tmp      string   // nginx's temporary paths
	worker   *account // nil when not root
}

// newLayout makes the directories of one instance in t's temporary
// directory, owned by the worker account and reachable by it.
func newLayout(t testing.TB, name string) *layout {
	t.Helper()
	w, err := workerAccount()
	if err != nil {
		t.Fatalf("interop: %v", err)
	}
	dir := t.TempDir()
	l := &layout{
		name:     name,
		dir:      dir,
		run:      filepath.Join(dir, "run"),
		errorLog: filepath.Join(dir, "error.log"),
		output:   filepath.Join(dir, "output.log"),
		data:     filepath.Join(dir, "data"),
		worker:   w,
	}
	l.htdocs = filepath.Join(l.data, "htdocs")
	l.docRoot = filepath.Join(l.htdocs, strings.Trim(Collection, "/"))
	l.lock = filepath.Join(l.data, "lock")
	l.tmp = filepath.Join(l.data, "tmp")
	for _, d := range []string{l.run, l.docRoot, l.lock, l.tmp} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatalf("interop: %v", err)
		}
	}
	if w == nil {
		return l
	}
	err = filepath.WalkDir(l.data, func(p string, _ os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(p, w.uid, w.gid)
	})
	if err != nil {
		t.Fatalf("interop: giving %s to %s: %v", l.data, w.user, err)
	}
	if err := reachable(dir); err != nil {
		t.Fatalf("interop: the %s workers run as %s and cannot reach %s: %v", name, w.user, dir, err)
	}
	return l
}

// reachable makes dir and the directories above it that lie in the
// temporary directory (those the test made) searchable by every user, and
// checks that every directory above those is searchable too.
func reachable(dir string) error {
	tmp := filepath.Clean(os.TempDir())
	p := filepath.Clean(dir)
	for ; strings.HasPrefix(p, tmp+string(filepath.Separator)); p = filepath.Dir(p) {
		if err := os.Chmod(p, 0o755); err != nil {
			return err
		}
	}
	for {
		fi, err := os.Stat(p)
		if err != nil {
			return err
		}
		if fi.Mode().Perm()&0o001 == 0 {
			return fmt.Errorf("%s is not searchable by others (mode %v); set TMPDIR to a directory that is", p, fi.Mode().Perm())
		}
		parent := filepath.Dir(p)
		if parent == p {
			return nil
		}
		p = parent
	}
}

// process is a started server process, the leader of its own process group.
type process struct {
	pid  int
	done chan struct{} // closed when the process has exited
	err  error         // its exit status, set before done is closed
}

// stop ends the process with SIGTERM and waits for it; if it does not exit
// within stopTimeout, it kills the whole process group. Whatever is left in
// the group afterwards is killed too. Stopping an exited process does nothing.
func (p *process) stop() {
	select {
	case <-p.done:
	default:
		_ = syscall.Kill(p.pid, syscall.SIGTERM)
		select {
		case <-p.done:
		case <-time.After(stopTimeout):
			_ = syscall.Kill(-p.pid, syscall.SIGKILL)
			<-p.done
		}
	}
	_ = syscall.Kill(-p.pid, syscall.SIGKILL)
}

// start runs bin with the arguments that configure returns for a free port,
// waits until the server answers HTTP, and registers its stop with t.
func start(t testing.TB, l *layout, bin string, configure func(port int) ([]string, error)) *Server {
	t.Helper()
	var last string
	for attempt := 1; attempt <= startAttempts; attempt++ {
		port, err := freePort()
		if err != nil {
			t.Fatalf("interop: %s: choosing a port: %v", l.name, err)
		}
		args, err := configure(port)
		if err != nil {
			t.Fatalf("interop: %s: writing the configuration: %v", l.name, err)
		}
		_ = os.Remove(l.errorLog)
		out, err := os.Create(l.output)
		if err != nil {
			t.Fatalf("interop: %s: %v", l.name, err)
		}
		cmd := exec.Command(bin, args...)
		cmd.Dir = l.dir
		cmd.Stdout = out
		cmd.Stderr = out
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		err = cmd.Start()
		out.Close()
		if err != nil {
			t.Fatalf("interop: %s: starting %s: %v", l.name, bin, err)
		}
		p := &process{pid: cmd.Process.Pid, done: make(chan struct{})}
		go func() {
			p.err = cmd.Wait()
			close(p.done)
		}()
		t.Cleanup(p.stop)

		s := &Server{
			URL:      fmt.Sprintf("http://127.0.0.1:%d%s", port, Collection),
			Name:     l.name,
			DocRoot:  l.docRoot,
			errorLog: l.errorLog,
			output:   l.output,
			proc:     p,
		}
		err = waitReady(s.URL, p)
		if err == nil {
			return s
		}
		p.stop()
		last = fmt.Sprintf("interop: %s (%s %s) did not start: %v\n%s",
			l.name, bin, strings.Join(args, " "), err, s.ErrorLog())
		if !strings.Contains(last, "Address already in use") {
			break
		}
	}
	t.Fatal(last)
	return nil
}

// waitReady polls url until the server answers with any HTTP status, the
// process exits, or startTimeout passes.
func waitReady(url string, p *process) error {
	client := &http.Client{
		Timeout:   time.Second,
		Transport: &http.Transport{DisableKeepAlives: true},
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
	defer client.CloseIdleConnections()
	deadline := time.Now().Add(startTimeout)
	for {
		select {
		case <-p.done:
			return fmt.Errorf("exited: %v", p.err)
		default:
		}
		resp, err := client.Get(url)
		if err == nil {
			resp.Body.Close()
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("no answer within %v: %v", startTimeout, err)
		}
		select {
		case <-p.done:
			return fmt.Errorf("exited: %v", p.err)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// freePort returns a port of 127.0.0.1 that was free a moment ago.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}
