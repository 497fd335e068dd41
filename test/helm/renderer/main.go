// Command renderer is a small stand-in for `helm template`, used by the chart tests on machines
// that have no helm binary. It follows Helm 3's engine (pkg/engine) closely: Go's text/template
// with sprig's TxtFuncMap (minus env/expandenv), Helm's own functions (include, tpl, required,
// fail, toYaml, fromYaml, fromYamlArray, toJson, fromJson, fromJsonArray, lookup), the built-in
// objects (.Values, .Release, .Chart, .Capabilities, .Files, .Template), missingkey=zero with
// "<no value>" removed from the output, partials (_*.tpl) and NOTES.txt not emitted, and
// values.yaml deep-merged with each --values file (a null removes a key). It builds offline in
// GOPATH mode against Debian's golang-github-masterminds-sprig-dev.
//
// Output is a YAML stream shaped like helm's: "---\n# Source: <chart>/templates/<file>\n<body>".
package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"text/template"

	sv "github.com/Masterminds/semver"
	"github.com/Masterminds/sprig"
	yamlv2 "gopkg.in/yaml.v2"
	yamlv3 "gopkg.in/yaml.v3"
)

// Maintainer mirrors helm's chart.Maintainer.
type Maintainer struct {
	Name  string `yaml:"name" json:"name,omitempty"`
	Email string `yaml:"email" json:"email,omitempty"`
	URL   string `yaml:"url" json:"url,omitempty"`
}

// Metadata mirrors helm's chart.Metadata, so templates see .Chart.Name, .Chart.AppVersion, ...
type Metadata struct {
	Name         string                   `yaml:"name" json:"name,omitempty"`
	Home         string                   `yaml:"home" json:"home,omitempty"`
	Sources      []string                 `yaml:"sources" json:"sources,omitempty"`
	Version      string                   `yaml:"version" json:"version,omitempty"`
	Description  string                   `yaml:"description" json:"description,omitempty"`
	Keywords     []string                 `yaml:"keywords" json:"keywords,omitempty"`
	Maintainers  []*Maintainer            `yaml:"maintainers" json:"maintainers,omitempty"`
	Icon         string                   `yaml:"icon" json:"icon,omitempty"`
	APIVersion   string                   `yaml:"apiVersion" json:"apiVersion,omitempty"`
	Condition    string                   `yaml:"condition" json:"condition,omitempty"`
	Tags         string                   `yaml:"tags" json:"tags,omitempty"`
	AppVersion   string                   `yaml:"appVersion" json:"appVersion,omitempty"`
	Deprecated   bool                     `yaml:"deprecated" json:"deprecated,omitempty"`
	Annotations  map[string]string        `yaml:"annotations" json:"annotations,omitempty"`
	KubeVersion  string                   `yaml:"kubeVersion" json:"kubeVersion,omitempty"`
	Dependencies []map[string]interface{} `yaml:"dependencies" json:"dependencies,omitempty"`
	Type         string                   `yaml:"type" json:"type,omitempty"`
}

// VersionSet mirrors helm's chartutil.VersionSet.
type VersionSet []string

// Has reports whether the API version (group/version or group/version/Kind) is known.
func (v VersionSet) Has(apiVersion string) bool {
	for _, x := range v {
		if x == apiVersion {
			return true
		}
	}
	return false
}

// KubeVersion mirrors helm's chartutil.KubeVersion.
type KubeVersion struct {
	Version    string
	Major      string
	Minor      string
	GitVersion string
}

func (k *KubeVersion) String() string { return k.Version }

// Capabilities mirrors helm's chartutil.Capabilities.
type Capabilities struct {
	APIVersions VersionSet
	KubeVersion KubeVersion
	HelmVersion map[string]string
}

// Files mirrors helm's engine files type: every non-template file of the chart.
type Files map[string][]byte

// GetBytes returns a file's content as bytes, nil when absent.
func (f Files) GetBytes(name string) []byte { return f[name] }

// Get returns a file's content as a string, "" when absent.
func (f Files) Get(name string) string { return string(f[name]) }

// Glob returns the files whose path matches the pattern ("**" crosses folders).
func (f Files) Glob(pattern string) Files {
	re := globToRegexp(pattern)
	out := Files{}
	for name, data := range f {
		if re.MatchString(name) {
			out[name] = data
		}
	}
	return out
}

// AsConfig renders the files as a ConfigMap data block (base name → content).
func (f Files) AsConfig() string {
	if len(f) == 0 {
		return ""
	}
	m := map[string]string{}
	for name, data := range f {
		m[path.Base(name)] = string(data)
	}
	return toYAML(m)
}

// AsSecrets renders the files as a Secret data block (base name → base64 content).
func (f Files) AsSecrets() string {
	if len(f) == 0 {
		return ""
	}
	m := map[string]string{}
	for name, data := range f {
		m[path.Base(name)] = base64.StdEncoding.EncodeToString(data)
	}
	return toYAML(m)
}

// Lines returns a file's lines.
func (f Files) Lines(name string) []string {
	data, ok := f[name]
	if !ok || len(data) == 0 {
		return []string{}
	}
	return strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
}

func globToRegexp(pattern string) *regexp.Regexp {
	var b strings.Builder
	b.WriteString("^")
	for i := 0; i < len(pattern); i++ {
		c := pattern[i]
		switch {
		case c == '*' && i+1 < len(pattern) && pattern[i+1] == '*':
			b.WriteString(".*")
			i++
		case c == '*':
			b.WriteString("[^/]*")
		case c == '?':
			b.WriteString("[^/]")
		default:
			b.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	b.WriteString("$")
	return regexp.MustCompile(b.String())
}

// normalize turns YAML-decoded data into what sigs.k8s.io/yaml gives helm: JSON types
// (map[string]interface{}, []interface{}, float64, string, bool, nil).
func normalize(v interface{}) (interface{}, error) {
	j, err := json.Marshal(fixKeys(v))
	if err != nil {
		return nil, err
	}
	var out interface{}
	err = json.Unmarshal(j, &out)
	return out, err
}

func fixKeys(v interface{}) interface{} {
	switch t := v.(type) {
	case map[string]interface{}:
		for k, x := range t {
			t[k] = fixKeys(x)
		}
		return t
	case map[interface{}]interface{}:
		m := map[string]interface{}{}
		for k, x := range t {
			m[fmt.Sprint(k)] = fixKeys(x)
		}
		return m
	case []interface{}:
		for i, x := range t {
			t[i] = fixKeys(x)
		}
		return t
	}
	return v
}

func parseYAML(data []byte) (interface{}, error) {
	var v interface{}
	if err := yamlv3.Unmarshal(data, &v); err != nil {
		return nil, err
	}
	return normalize(v)
}

func toYAML(v interface{}) string {
	// sigs.k8s.io/yaml.Marshal: JSON first, then YAML (yaml.v2, sorted keys).
	j, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	var obj interface{}
	if err := yamlv2.Unmarshal(j, &obj); err != nil {
		return ""
	}
	data, err := yamlv2.Marshal(obj)
	if err != nil {
		return ""
	}
	return strings.TrimSuffix(string(data), "\n")
}

func fromYAML(str string) map[string]interface{} {
	m := map[string]interface{}{}
	v, err := parseYAML([]byte(str))
	if err != nil {
		m["Error"] = err.Error()
		return m
	}
	if mm, ok := v.(map[string]interface{}); ok {
		return mm
	}
	return m
}

func fromYAMLArray(str string) []interface{} {
	v, err := parseYAML([]byte(str))
	if err != nil {
		return []interface{}{err.Error()}
	}
	if a, ok := v.([]interface{}); ok {
		return a
	}
	return []interface{}{}
}

func toJSON(v interface{}) string {
	data, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	return string(data)
}

func fromJSON(str string) map[string]interface{} {
	m := map[string]interface{}{}
	if err := json.Unmarshal([]byte(str), &m); err != nil {
		m["Error"] = err.Error()
	}
	return m
}

func fromJSONArray(str string) []interface{} {
	a := []interface{}{}
	if err := json.Unmarshal([]byte(str), &a); err != nil {
		a = []interface{}{err.Error()}
	}
	return a
}

// coalesce deep-merges src over dst like helm's values merging: maps merge, null deletes.
func coalesce(dst, src map[string]interface{}) map[string]interface{} {
	for k, sv := range src {
		if sv == nil {
			delete(dst, k)
			continue
		}
		sm, sIsMap := sv.(map[string]interface{})
		dm, dIsMap := dst[k].(map[string]interface{})
		if sIsMap && dIsMap {
			dst[k] = coalesce(dm, sm)
		} else {
			dst[k] = sv
		}
	}
	return dst
}

type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }

var defaultAPIVersions = []string{
	"v1", "apps/v1", "batch/v1", "policy/v1", "autoscaling/v1", "autoscaling/v2",
	"networking.k8s.io/v1", "rbac.authorization.k8s.io/v1", "storage.k8s.io/v1",
	"apiextensions.k8s.io/v1", "admissionregistration.k8s.io/v1", "coordination.k8s.io/v1",
	"discovery.k8s.io/v1", "events.k8s.io/v1", "scheduling.k8s.io/v1", "node.k8s.io/v1",
	"certificates.k8s.io/v1", "apiregistration.k8s.io/v1",
}

const recursionMaxNums = 1000

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "Error:", err)
		os.Exit(1)
	}
}

func run() error {
	var valueFiles, apiVersions stringList
	chartDir := flag.String("chart", "", "chart directory")
	releaseName := flag.String("release-name", "release-name", "release name")
	namespace := flag.String("namespace", "default", "release namespace")
	kubeVersion := flag.String("kube-version", "1.30.0", "Kubernetes version for .Capabilities")
	notes := flag.Bool("notes", false, "also print NOTES.txt")
	flag.Var(&valueFiles, "values", "values file to merge over values.yaml (repeatable)")
	flag.Var(&apiVersions, "api-versions", "extra API version for .Capabilities (repeatable)")
	flag.Parse()
	if *chartDir == "" {
		return errors.New("--chart is required")
	}

	meta := &Metadata{}
	chartYAML, err := os.ReadFile(filepath.Join(*chartDir, "Chart.yaml"))
	if err != nil {
		return err
	}
	if err := yamlv3.Unmarshal(chartYAML, meta); err != nil {
		return fmt.Errorf("Chart.yaml: %w", err)
	}
	if meta.Name == "" {
		return errors.New("Chart.yaml: name is required")
	}

	kv, err := sv.NewVersion(*kubeVersion)
	if err != nil {
		return fmt.Errorf("--kube-version: %w", err)
	}
	if meta.KubeVersion != "" {
		c, err := sv.NewConstraint(meta.KubeVersion)
		if err != nil {
			return fmt.Errorf("Chart.yaml kubeVersion: %w", err)
		}
		if !c.Check(kv) {
			return fmt.Errorf("chart requires kubeVersion: %s which is incompatible with Kubernetes v%s", meta.KubeVersion, kv.String())
		}
	}

	values := map[string]interface{}{}
	if data, err := os.ReadFile(filepath.Join(*chartDir, "values.yaml")); err == nil {
		v, err := parseYAML(data)
		if err != nil {
			return fmt.Errorf("values.yaml: %w", err)
		}
		if m, ok := v.(map[string]interface{}); ok {
			values = m
		}
	}
	for _, f := range valueFiles {
		data, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		v, err := parseYAML(data)
		if err != nil {
			return fmt.Errorf("%s: %w", f, err)
		}
		if m, ok := v.(map[string]interface{}); ok {
			values = coalesce(values, m)
		}
	}

	files := Files{}
	templates := map[string]string{}
	err = filepath.Walk(*chartDir, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		if info.IsDir() {
			return nil
		}
		rel, _ := filepath.Rel(*chartDir, p)
		rel = filepath.ToSlash(rel)
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		switch {
		case strings.HasPrefix(rel, "templates/"):
			templates[meta.Name+"/"+rel] = string(data)
		case strings.HasPrefix(rel, "charts/"), rel == "Chart.yaml", rel == "Chart.lock",
			rel == "values.yaml", rel == "values.schema.json", rel == ".helmignore":
		default:
			files[rel] = data
		}
		return nil
	})
	if err != nil {
		return err
	}

	caps := &Capabilities{
		APIVersions: append(VersionSet(defaultAPIVersions), apiVersions...),
		KubeVersion: KubeVersion{
			Version:    "v" + kv.String(),
			Major:      fmt.Sprint(kv.Major()),
			Minor:      fmt.Sprint(kv.Minor()),
			GitVersion: "v" + kv.String(),
		},
		HelmVersion: map[string]string{"Version": "v3-renderer"},
	}
	release := map[string]interface{}{
		"Name": *releaseName, "Namespace": *namespace, "IsInstall": true, "IsUpgrade": false,
		"Revision": 1, "Service": "Helm",
	}

	root := template.New("gotpl")
	root.Option("missingkey=zero")
	includedNames := map[string]int{}
	funcs := sprig.TxtFuncMap()
	delete(funcs, "env")
	delete(funcs, "expandenv")
	funcs["toYaml"] = toYAML
	funcs["fromYaml"] = fromYAML
	funcs["fromYamlArray"] = fromYAMLArray
	funcs["toJson"] = toJSON
	funcs["fromJson"] = fromJSON
	funcs["fromJsonArray"] = fromJSONArray
	funcs["required"] = func(msg string, v interface{}) (interface{}, error) {
		if v == nil {
			return v, errors.New(msg)
		}
		if s, ok := v.(string); ok && s == "" {
			return v, errors.New(msg)
		}
		return v, nil
	}
	funcs["fail"] = func(msg string) (string, error) { return "", errors.New(msg) }
	funcs["lookup"] = func(string, string, string, string) (map[string]interface{}, error) {
		return map[string]interface{}{}, nil
	}
	funcs["include"] = func(name string, data interface{}) (string, error) {
		var buf strings.Builder
		if includedNames[name] > recursionMaxNums {
			return "", fmt.Errorf("rendering template has a nested reference name: %s", name)
		}
		includedNames[name]++
		err := root.ExecuteTemplate(&buf, name, data)
		includedNames[name]--
		return buf.String(), err
	}
	funcs["tpl"] = func(text string, vals map[string]interface{}) (string, error) {
		t, err := root.Clone()
		if err != nil {
			return "", err
		}
		name := "tpl"
		if tm, ok := vals["Template"].(map[string]interface{}); ok {
			name = fmt.Sprint(tm["Name"])
		}
		if _, err := t.New(name).Parse(text); err != nil {
			return "", fmt.Errorf("cannot parse template %q: %w", text, err)
		}
		var buf strings.Builder
		if err := t.ExecuteTemplate(&buf, name, vals); err != nil {
			return "", fmt.Errorf("error during tpl function execution for %q: %w", text, err)
		}
		return strings.ReplaceAll(buf.String(), "<no value>", ""), nil
	}
	root.Funcs(funcs)

	names := make([]string, 0, len(templates))
	for n := range templates {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if _, err := root.New(n).Parse(templates[n]); err != nil {
			return err
		}
	}

	var out bytes.Buffer
	for _, n := range names {
		base := path.Base(n)
		if strings.HasPrefix(base, "_") {
			continue
		}
		isNotes := base == "NOTES.txt"
		if isNotes && !*notes {
			continue
		}
		data := map[string]interface{}{
			"Values":       values,
			"Release":      release,
			"Chart":        meta,
			"Capabilities": caps,
			"Files":        files,
			"Template":     map[string]interface{}{"Name": n, "BasePath": meta.Name + "/templates"},
		}
		var buf strings.Builder
		if err := root.ExecuteTemplate(&buf, n, data); err != nil {
			return err
		}
		body := strings.ReplaceAll(buf.String(), "<no value>", "")
		if strings.TrimSpace(body) == "" {
			continue
		}
		if isNotes {
			fmt.Fprintf(&out, "---\n# NOTES: %s\n%s\n", n, body)
			continue
		}
		fmt.Fprintf(&out, "---\n# Source: %s\n%s\n", n, body)
	}
	_, err = os.Stdout.Write(out.Bytes())
	return err
}
