package main

import (
	"crypto/tls"
	"reflect"
	"testing"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestSplitListTrimsAndDropsEmptyItems(t *testing.T) {
	got := splitList(" a, b ,,c ,")
	if want := []string{"a", "b", "c"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("splitList = %q, want %q", got, want)
	}
	if got := splitList(""); got != nil {
		t.Fatalf("splitList(\"\") = %q, want nil", got)
	}
}

func TestIsTrueAcceptsOnlyBooleanTrueSpellings(t *testing.T) {
	for s, want := range map[string]bool{"true": true, "1": true, "TRUE": true, "false": false, "yes": false, "": false} {
		if got := isTrue(s); got != want {
			t.Errorf("isTrue(%q) = %v, want %v", s, got, want)
		}
	}
}

func TestDedupeKeepsTheFirstRouteOfAHostPathPair(t *testing.T) {
	routes := []route{
		{host: "a.test", path: "/", ingress: "old"},
		{host: "a.test", path: "/", ingress: "new"},
		{host: "a.test", path: "/", exact: true, ingress: "exact"},
		{host: "b.test", path: "/", ingress: "other host"},
	}
	got := dedupe(routes)
	var names []string
	for _, r := range got {
		names = append(names, r.ingress)
	}
	if want := []string{"old", "exact", "other host"}; !reflect.DeepEqual(names, want) {
		t.Fatalf("dedupe kept %q, want %q", names, want)
	}
}

func TestHostRankOrdersExactBeforeWildcardBeforeAny(t *testing.T) {
	if !(hostRank("a.test") < hostRank("*.test") && hostRank("*.test") < hostRank("")) {
		t.Fatalf("ranks: exact %d, wildcard %d, any %d", hostRank("a.test"), hostRank("*.test"), hostRank(""))
	}
}

func TestHostMatches(t *testing.T) {
	cases := []struct {
		pattern, host string
		want          bool
	}{
		{"", "anything.test", true},
		{"a.test", "a.test", true},
		{"a.test", "b.test", false},
		{"*.test", "a.test", true},
		{"*.test", "x.a.test", false}, // a wildcard covers exactly one label
		{"*.test", "test", false},
		{"*.test", ".test", false},
	}
	for _, c := range cases {
		if got := hostMatches(c.pattern, c.host); got != c.want {
			t.Errorf("hostMatches(%q, %q) = %v, want %v", c.pattern, c.host, got, c.want)
		}
	}
}

func TestPathMatches(t *testing.T) {
	cases := []struct {
		r    route
		path string
		want bool
	}{
		{route{path: "/", exact: false}, "/anything", true},
		{route{path: "/api", exact: false}, "/api", true},
		{route{path: "/api", exact: false}, "/api/lots", true},
		{route{path: "/api/", exact: false}, "/api/lots", true},
		{route{path: "/api", exact: false}, "/apis", false}, // prefixes match whole segments only
		{route{path: "/api", exact: true}, "/api", true},
		{route{path: "/api", exact: true}, "/api/lots", false},
	}
	for _, c := range cases {
		if got := pathMatches(c.r, c.path); got != c.want {
			t.Errorf("pathMatches(%+v, %q) = %v, want %v", c.r, c.path, got, c.want)
		}
	}
}

func TestPortLabelPrefersTheName(t *testing.T) {
	if got := portLabel(&corev1.ServicePort{Name: "http", Port: 80}); got != "http" {
		t.Errorf("named port: %q", got)
	}
	if got := portLabel(&corev1.ServicePort{Port: 8080}); got != "8080" {
		t.Errorf("unnamed port: %q", got)
	}
}

func TestMkRouteCopiesTheBackend(t *testing.T) {
	ing := &networkingv1.Ingress{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "web"}}
	backend := &networkingv1.IngressBackend{Service: &networkingv1.IngressServiceBackend{
		Name: "web", Port: networkingv1.ServiceBackendPort{Name: "http", Number: 0}}}
	got := mkRoute("a.test", "/", false, ing, backend, "shop/web", true)
	want := route{host: "a.test", path: "/", ns: "shop", service: "web", portName: "http", ingress: "shop/web", redirect: ingressRedirect}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("mkRoute = %+v, want %+v", got, want)
	}
}

func TestCertificatePicksExactThenWildcardThenDefaultThenFallback(t *testing.T) {
	exact, wildcard, def, fallback := &tls.Certificate{}, &tls.Certificate{}, &tls.Certificate{}, &tls.Certificate{}
	c := &controller{fallback: fallback}
	c.table.Store(&table{certs: map[string]*tls.Certificate{"a.test": exact, "*.test": wildcard}, defaultCert: def})
	cases := []struct {
		name string
		want *tls.Certificate
	}{
		{"a.test", exact},
		{"A.TEST.", exact}, // case and a trailing dot do not matter
		{"b.test", wildcard},
		{"x.b.test", def}, // the wildcard covers one label only
		{"", def},
	}
	for _, tc := range cases {
		got, err := c.certificate(&tls.ClientHelloInfo{ServerName: tc.name})
		if err != nil || got != tc.want {
			t.Errorf("certificate(%q) = %p, %v; want %p", tc.name, got, err, tc.want)
		}
	}
	c.table.Store(&table{})
	if got, _ := c.certificate(&tls.ClientHelloInfo{ServerName: "a.test"}); got != fallback {
		t.Errorf("without certificates: %p, want the fallback %p", got, fallback)
	}
}

func TestSelfSignedIsAUsableCertificate(t *testing.T) {
	cert := selfSigned()
	if cert == nil || len(cert.Certificate) == 0 || cert.PrivateKey == nil {
		t.Fatalf("selfSigned() = %+v", cert)
	}
}
