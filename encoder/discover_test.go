package encoder

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func touch(tb testing.TB, path string) {
	tb.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(path, []byte("not a library"), 0o644); err != nil {
		tb.Fatal(err)
	}
}

func paths(cs []candidate) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.path
	}
	return out
}

func TestCandidatesOrder(t *testing.T) {
	tmp := t.TempDir()
	repo := filepath.Join(tmp, "repo")
	touch(t, filepath.Join(repo, "go.mod"))
	wd := filepath.Join(repo, "encoder", "sub")
	if err := os.MkdirAll(wd, 0o755); err != nil {
		t.Fatal(err)
	}
	exeRoot := filepath.Join(tmp, "dist")
	if err := os.MkdirAll(filepath.Join(exeRoot, "third_party", "onnxruntime"), 0o755); err != nil {
		t.Fatal(err)
	}
	exeDir := filepath.Join(exeRoot, "bin")
	userDir := filepath.Join(tmp, "cache", "gliner", "onnxruntime", PinnedRuntimeVersion)
	ld := filepath.Join(tmp, "ld1") + string(os.PathListSeparator) + filepath.Join(tmp, "ld2")

	s := search{goos: "linux", goarch: "amd64", exeDir: exeDir, userDir: userDir, starts: []string{wd, exeDir}, ldPath: ld}
	got := paths(s.candidates())
	want := []string{
		filepath.Join(exeDir, "libonnxruntime.so.1"),
		filepath.Join(exeDir, "libonnxruntime.so"),
		filepath.Join(userDir, "libonnxruntime.so.1"),
		filepath.Join(userDir, "libonnxruntime.so"),
		filepath.Join(repo, "third_party/onnxruntime/libonnxruntime.so.1"),
		filepath.Join(repo, "third_party/onnxruntime/libonnxruntime.so"),
		filepath.Join(exeRoot, "third_party/onnxruntime/libonnxruntime.so.1"),
		filepath.Join(exeRoot, "third_party/onnxruntime/libonnxruntime.so"),
		filepath.Join(tmp, "ld1/libonnxruntime.so.1"),
		filepath.Join(tmp, "ld1/libonnxruntime.so"),
		filepath.Join(tmp, "ld2/libonnxruntime.so.1"),
		filepath.Join(tmp, "ld2/libonnxruntime.so"),
		"/usr/local/lib/libonnxruntime.so.1",
		"/usr/local/lib/libonnxruntime.so",
		"/usr/local/lib64/libonnxruntime.so.1",
		"/usr/local/lib64/libonnxruntime.so",
		"/usr/lib/x86_64-linux-gnu/libonnxruntime.so.1",
		"/usr/lib/x86_64-linux-gnu/libonnxruntime.so",
		"/lib/x86_64-linux-gnu/libonnxruntime.so.1",
		"/lib/x86_64-linux-gnu/libonnxruntime.so",
		"/usr/lib64/libonnxruntime.so.1",
		"/usr/lib64/libonnxruntime.so",
		"/usr/lib/libonnxruntime.so.1",
		"/usr/lib/libonnxruntime.so",
		"/opt/onnxruntime/lib/libonnxruntime.so.1",
		"/opt/onnxruntime/lib/libonnxruntime.so",
		"libonnxruntime.so.1",
		"libonnxruntime.so",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("candidates:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	cs := s.candidates()
	for i, c := range cs {
		if c.bare != (i >= len(cs)-2) {
			t.Errorf("candidate %d %s: bare = %v", i, c.path, c.bare)
		}
	}
}

func TestCandidatesExplicitOnly(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "custom-ort.so")
	tests := []struct {
		name   string
		s      search
		want   []string
		source string
	}{
		{"option file", search{goos: "linux", option: file, env: "/elsewhere.so", starts: []string{dir}},
			[]string{file}, "option WithLibraryPath"},
		{"option dir", search{goos: "linux", option: dir},
			[]string{filepath.Join(dir, "libonnxruntime.so.1"), filepath.Join(dir, "libonnxruntime.so")}, "option WithLibraryPath"},
		{"env file", search{goos: "linux", env: file, starts: []string{dir}},
			[]string{file}, "$" + LibraryPathEnv},
		{"env dir darwin", search{goos: "darwin", env: dir},
			[]string{filepath.Join(dir, "libonnxruntime.dylib"), filepath.Join(dir, "libonnxruntime.1.dylib"),
				filepath.Join(dir, "libonnxruntime."+PinnedRuntimeVersion+".dylib")}, "$" + LibraryPathEnv},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cs := tt.s.candidates()
			if got := paths(cs); strings.Join(got, "|") != strings.Join(tt.want, "|") {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
			for _, c := range cs {
				if c.source != tt.source || c.bare {
					t.Errorf("candidate %+v, want source %q, not bare", c, tt.source)
				}
			}
		})
	}
}

func TestLocateFindsFirstExisting(t *testing.T) {
	tmp := t.TempDir()
	repo := filepath.Join(tmp, "repo")
	touch(t, filepath.Join(repo, "go.mod"))
	lib := filepath.Join(repo, "third_party", "onnxruntime", "libonnxruntime.so")
	touch(t, lib)
	ld := filepath.Join(tmp, "ld")
	touch(t, filepath.Join(ld, "libonnxruntime.so.1"))
	s := search{goos: "linux", goarch: "amd64", starts: []string{filepath.Join(repo, "a", "b")}, ldPath: ld}
	c, err := s.locate(func(string) string { t.Error("dynamic loader asked although a file exists"); return "" })
	if err != nil {
		t.Fatal(err)
	}
	if c.path != lib || !strings.Contains(c.source, "repository folder, found from the working directory") {
		t.Fatalf("got %+v, want %s from the repository folder", c, lib)
	}
}

func TestLocateBareName(t *testing.T) {
	s := search{goos: "linux", goarch: "amd64", starts: []string{t.TempDir()}, ldPath: t.TempDir()}
	var asked []string
	c, err := s.locate(func(name string) string {
		asked = append(asked, name)
		if name == "libonnxruntime.so" {
			return "/resolved/libonnxruntime.so"
		}
		return ""
	})
	if err != nil {
		t.Fatal(err)
	}
	if c.path != "/resolved/libonnxruntime.so" || c.bare {
		t.Fatalf("got %+v", c)
	}
	if strings.Join(asked, ",") != "libonnxruntime.so.1,libonnxruntime.so" {
		t.Fatalf("loader asked for %v", asked)
	}
}

func TestLocateNotFoundNamesEverything(t *testing.T) {
	fake := filepath.Join(t.TempDir(), "nowhere", "libonnxruntime.so.1")
	t.Run("explicit", func(t *testing.T) {
		_, err := search{goos: "linux", option: fake}.locate(func(string) string { return "" })
		var nf *LibraryNotFoundError
		if !errors.As(err, &nf) || !errors.Is(err, ErrLibraryNotFound) {
			t.Fatalf("got %v, want *LibraryNotFoundError", err)
		}
		if len(nf.Tried) != 1 || nf.Tried[0] != fake+" (option WithLibraryPath)" {
			t.Errorf("Tried = %q", nf.Tried)
		}
		msg := err.Error()
		for _, want := range []string{fake, "'gliner setup'", "make deps", LibraryPathEnv, "WithLibraryPath", MinRuntimeVersion} {
			if !strings.Contains(msg, want) {
				t.Errorf("error text lacks %q:\n%s", want, msg)
			}
		}
	})
	t.Run("search", func(t *testing.T) {
		tmp := t.TempDir()
		touch(t, filepath.Join(tmp, "go.mod"))
		ld := filepath.Join(tmp, "ldpath")
		_, err := search{goos: "linux", goarch: "arm64", starts: []string{tmp}, ldPath: ld}.locate(func(string) string { return "" })
		var nf *LibraryNotFoundError
		if !errors.As(err, &nf) {
			t.Fatalf("got %v", err)
		}
		want := []string{
			filepath.Join(tmp, "third_party/onnxruntime") + "/{libonnxruntime.so.1,libonnxruntime.so} (repository folder, found from the working directory)",
			ld + "/{libonnxruntime.so.1,libonnxruntime.so} (system directory)",
			"/usr/local/lib/{libonnxruntime.so.1,libonnxruntime.so} (system directory)",
			"/usr/local/lib64/{libonnxruntime.so.1,libonnxruntime.so} (system directory)",
			"/usr/lib/aarch64-linux-gnu/{libonnxruntime.so.1,libonnxruntime.so} (system directory)",
			"/lib/aarch64-linux-gnu/{libonnxruntime.so.1,libonnxruntime.so} (system directory)",
			"/usr/lib64/{libonnxruntime.so.1,libonnxruntime.so} (system directory)",
			"/usr/lib/{libonnxruntime.so.1,libonnxruntime.so} (system directory)",
			"/opt/onnxruntime/lib/{libonnxruntime.so.1,libonnxruntime.so} (system directory)",
			"libonnxruntime.so.1 (dynamic loader search)",
			"libonnxruntime.so (dynamic loader search)",
		}
		if strings.Join(nf.Tried, "\n") != strings.Join(want, "\n") {
			t.Fatalf("Tried:\n%s\nwant:\n%s", strings.Join(nf.Tried, "\n"), strings.Join(want, "\n"))
		}
		if !strings.Contains(err.Error(), "tried:\n  - "+want[0]) {
			t.Errorf("error text:\n%s", err)
		}
	})
}

func TestFindRoot(t *testing.T) {
	tmp := t.TempDir()
	touch(t, filepath.Join(tmp, "a", "go.mod"))
	if err := os.MkdirAll(filepath.Join(tmp, "a", "b", "third_party", "onnxruntime"), 0o755); err != nil {
		t.Fatal(err)
	}
	deep := filepath.Join(tmp, "a", "b", "c", "d")
	if err := os.MkdirAll(deep, 0o755); err != nil {
		t.Fatal(err)
	}
	tests := []struct{ start, want string }{
		{deep, filepath.Join(tmp, "a", "b")},
		{filepath.Join(tmp, "a"), filepath.Join(tmp, "a")},
		{"", ""},
	}
	for _, tt := range tests {
		if got := findRoot(tt.start); got != tt.want {
			t.Errorf("findRoot(%q) = %q, want %q", tt.start, got, tt.want)
		}
	}
}

// TestLocateEachStep puts a fake library at every place discovery looks,
// then takes the places away one by one: each time the first remaining one
// must be chosen, with its source named.
func TestLocateEachStep(t *testing.T) {
	tmp := t.TempDir()
	exeDir := filepath.Join(tmp, "bin")
	userDir := filepath.Join(tmp, "cache", "gliner", "onnxruntime", PinnedRuntimeVersion)
	repo := filepath.Join(tmp, "repo")
	touch(t, filepath.Join(repo, "go.mod"))
	repoLib := filepath.Join(repo, "third_party", "onnxruntime")
	ld := filepath.Join(tmp, "ld")
	option := filepath.Join(tmp, "option", "libonnxruntime.so.1")
	env := filepath.Join(tmp, "env")
	steps := []struct {
		lib, source string
		set         func(s *search)
	}{
		{option, "option WithLibraryPath", func(s *search) { s.option = option }},
		{filepath.Join(env, "libonnxruntime.so.1"), "$" + LibraryPathEnv, func(s *search) { s.env = env }},
		{filepath.Join(exeDir, "libonnxruntime.so.1"), "executable's directory", nil},
		{filepath.Join(userDir, "libonnxruntime.so.1"), "per-user cache, where gliner setup installs it", nil},
		{filepath.Join(repoLib, "libonnxruntime.so.1"), "repository folder, found from the working directory", nil},
		{filepath.Join(ld, "libonnxruntime.so.1"), "system directory", nil},
	}
	for _, st := range steps {
		touch(t, st.lib)
	}
	for i, st := range steps {
		t.Run(st.source, func(t *testing.T) {
			s := search{goos: "linux", goarch: "amd64", exeDir: exeDir, userDir: userDir,
				starts: []string{filepath.Join(repo, "cmd")}, ldPath: ld}
			if st.set != nil {
				st.set(&s)
			}
			for _, earlier := range steps[:i] {
				if earlier.set == nil {
					if err := os.Remove(earlier.lib); err != nil && !os.IsNotExist(err) {
						t.Fatal(err)
					}
				}
			}
			c, err := s.locate(func(string) string { t.Error("dynamic loader asked although a file exists"); return "" })
			if err != nil {
				t.Fatal(err)
			}
			if c.path != st.lib || c.source != st.source {
				t.Fatalf("found %s (%s), want %s (%s)", c.path, c.source, st.lib, st.source)
			}
		})
	}
}

// TestCurrentSearchEnvironment checks the process-derived search: the
// environment variable, the executable's folder, and the per-user cache
// from XDG_CACHE_HOME or HOME.
func TestCurrentSearchEnvironment(t *testing.T) {
	t.Run("env var", func(t *testing.T) {
		lib := filepath.Join(t.TempDir(), "libonnxruntime.so.1")
		touch(t, lib)
		t.Setenv(LibraryPathEnv, filepath.Dir(lib))
		c, err := currentSearch("").locate(nil)
		if err != nil || c.path != lib || c.source != "$"+LibraryPathEnv {
			t.Fatalf("got %+v, %v; want %s from the variable", c, err, lib)
		}
	})
	t.Run("executable's directory", func(t *testing.T) {
		t.Setenv(LibraryPathEnv, "")
		exe, err := os.Executable()
		if err != nil {
			t.Skip("no executable path:", err)
		}
		exe, _ = filepath.EvalSymlinks(exe)
		if s := currentSearch(""); s.exeDir != filepath.Dir(exe) {
			t.Fatalf("exeDir %q, want %q", s.exeDir, filepath.Dir(exe))
		}
	})
	for _, how := range []string{"XDG_CACHE_HOME", "HOME"} {
		t.Run("per-user cache from "+how, func(t *testing.T) {
			if how == "HOME" && runtime.GOOS != "linux" {
				t.Skip("the HOME fallback path is Linux's")
			}
			home := t.TempDir()
			t.Setenv(LibraryPathEnv, "")
			t.Setenv("HOME", home)
			cache := filepath.Join(home, ".cache")
			if how == "XDG_CACHE_HOME" {
				cache = filepath.Join(home, "xdg")
				t.Setenv("XDG_CACHE_HOME", cache)
			} else {
				t.Setenv("XDG_CACHE_HOME", "")
			}
			lib := filepath.Join(cache, "gliner", "onnxruntime", PinnedRuntimeVersion, libraryNames(runtime.GOOS)[0])
			touch(t, lib)
			s := currentSearch("")
			s.exeDir = "" // the test binary's folder holds no library, but keep the check exact
			c, err := s.locate(nil)
			if err != nil || c.path != lib || !strings.HasPrefix(c.source, "per-user cache") {
				t.Fatalf("got %+v, %v; want %s from the per-user cache", c, err, lib)
			}
		})
	}
}
