package main

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"
)

// The objects as the chart renders them (tests/chart/test_gateway.py validates those against the CRDs).
const (
	classJSON   = `{"metadata":{"name":"triboka"},"spec":{"controllerName":"triboka.local/gateway-controller"}}`
	otherClass  = `{"metadata":{"name":"eg"},"spec":{"controllerName":"gateway.envoyproxy.io/gatewayclass-controller"}}`
	gatewayJSON = `{"metadata":{"name":"rel-triboka-gateway","namespace":"app"},"spec":{"gatewayClassName":"triboka","listeners":[
		{"name":"https","protocol":"HTTPS","port":443,"hostname":"triboka.test","tls":{"mode":"Terminate","certificateRefs":[{"kind":"Secret","group":"","name":"rel-triboka-tls"}]},"allowedRoutes":{"namespaces":{"from":"Same"}}},
		{"name":"http","protocol":"HTTP","port":80,"hostname":"triboka.test","allowedRoutes":{"namespaces":{"from":"Same"}}}]}}`
	routeJSON = `{"metadata":{"name":"rel-triboka","namespace":"app"},"spec":{
		"parentRefs":[{"group":"gateway.networking.k8s.io","kind":"Gateway","name":"rel-triboka-gateway","sectionName":"https"}],
		"hostnames":["triboka.test"],
		"rules":[
			{"matches":[{"path":{"type":"PathPrefix","value":"/api"}}],"backendRefs":[{"name":"rel-triboka-api","port":5003}],
			 "filters":[{"type":"ResponseHeaderModifier","responseHeaderModifier":{"set":[{"name":"Strict-Transport-Security","value":"max-age=31536000"}]}}],
			 "timeouts":{"request":"30s","backendRequest":"25s"}},
			{"matches":[{"path":{"type":"PathPrefix","value":"/socket.io"}}],"backendRefs":[{"name":"rel-triboka-api","port":5003}]},
			{"matches":[{"path":{"type":"PathPrefix","value":"/"}}],"backendRefs":[{"name":"rel-triboka-web","port":5004}],
			 "timeouts":{"request":"60s"}}]}}`
	redirectJSON = `{"metadata":{"name":"rel-triboka-https-redirect","namespace":"app"},"spec":{
		"parentRefs":[{"group":"gateway.networking.k8s.io","kind":"Gateway","name":"rel-triboka-gateway","sectionName":"http"}],
		"hostnames":["triboka.test"],
		"rules":[{"filters":[{"type":"RequestRedirect","requestRedirect":{"scheme":"https","statusCode":301}}]}]}}`
)

func decode[T any](t *testing.T, s string) T {
	t.Helper()
	var v T
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatalf("decode %s: %v", s, err)
	}
	return v
}

func chartTable(t *testing.T, routes ...string) (*table, []certSource, []string) {
	t.Helper()
	classes := []gatewayClass{decode[gatewayClass](t, classJSON), decode[gatewayClass](t, otherClass)}
	gateways := []gateway{decode[gateway](t, gatewayJSON)}
	var hrs []httpRoute
	for _, r := range routes {
		hrs = append(hrs, decode[httpRoute](t, r))
	}
	rs, certs, problems := gatewayRoutes(classes, gateways, hrs)
	return &table{routes: dedupe(sortRoutes(rs))}, certs, problems
}

func TestChartRoutesOverTLS(t *testing.T) {
	tb, certs, problems := chartTable(t, routeJSON, redirectJSON)
	if len(problems) != 0 {
		t.Fatalf("problems: %v", problems)
	}
	cases := []struct {
		host, path string
		secure     bool
		service    string
	}{
		{"triboka.test", "/api/health", true, "rel-triboka-api"},
		{"triboka.test", "/api", true, "rel-triboka-api"},
		{"triboka.test", "/apix", true, "rel-triboka-web"}, // a path prefix matches whole segments only
		{"triboka.test", "/", true, "rel-triboka-web"},
		{"triboka.test", "/lots/3", true, "rel-triboka-web"},
	}
	for _, c := range cases {
		r := tb.match(c.host, c.path, c.secure)
		if r == nil || r.service != c.service || r.redirect != nil {
			t.Errorf("%s%s secure=%v: got %+v, want %s", c.host, c.path, c.secure, r, c.service)
		}
	}
	if r := tb.match("triboka.test", "/api/health", true); r.portNum != 5003 || r.ns != "app" || r.setHeaders["Strict-Transport-Security"] != "max-age=31536000" {
		t.Errorf("api route: %+v", r)
	}
	// the chart's timeouts: the shorter of request/backendRequest; the WebSocket rule has none
	for path, want := range map[string]time.Duration{"/api/health": 25 * time.Second, "/socket.io/x": 0, "/lots": time.Minute} {
		if r := tb.match("triboka.test", path, true); r == nil || r.timeout != want {
			t.Errorf("%s: timeout of %+v, want %s", path, r, want)
		}
	}
	if r := tb.match("other.test", "/", true); r != nil {
		t.Errorf("another host matched %+v", r)
	}
	want := []certSource{{namespace: "app", name: "rel-triboka-tls", host: "triboka.test", gateway: "app/rel-triboka-gateway"}}
	if !reflect.DeepEqual(certs, want) {
		t.Errorf("certs %+v, want %+v", certs, want)
	}
}

func TestPlainHTTPOnlyRedirects(t *testing.T) {
	tb, _, _ := chartTable(t, routeJSON, redirectJSON)
	for _, path := range []string{"/", "/api/health", "/lots?page=2"} {
		r := tb.match("triboka.test", path, false)
		if r == nil || r.redirect == nil || r.service != "" {
			t.Fatalf("plain %s: got %+v, want the redirect", path, r)
		}
		if got := r.redirect.location("triboka.test", path, false); got != "https://triboka.test"+path {
			t.Errorf("location %q", got)
		}
		if r.redirect.code != 301 {
			t.Errorf("code %d", r.redirect.code)
		}
	}
	// without the redirect route nothing is served over plain HTTP: the app's route is on the HTTPS listener only
	tb, _, _ = chartTable(t, routeJSON)
	if r := tb.match("triboka.test", "/api/health", false); r != nil {
		t.Errorf("plain HTTP served %+v", r)
	}
}

func TestRedirectLocation(t *testing.T) {
	cases := []struct {
		rt     redirectTarget
		host   string
		secure bool
		want   string
	}{
		{redirectTarget{scheme: "https"}, "triboka.test:80", false, "https://triboka.test/p?q=1"},
		{redirectTarget{scheme: "https", port: 8443}, "triboka.test", false, "https://triboka.test:8443/p?q=1"},
		{redirectTarget{hostname: "www.triboka.test"}, "triboka.test", true, "https://www.triboka.test/p?q=1"},
	}
	for _, c := range cases {
		if got := c.rt.location(c.host, "/p?q=1", c.secure); got != c.want {
			t.Errorf("%+v from %s: %q, want %q", c.rt, c.host, got, c.want)
		}
	}
}

func TestOnlyOurClassAndAdmittedNamespaces(t *testing.T) {
	classes := []gatewayClass{decode[gatewayClass](t, classJSON), decode[gatewayClass](t, otherClass)}
	foreign := decode[gateway](t, gatewayJSON)
	foreign.Spec.GatewayClassName = "eg"
	route := decode[httpRoute](t, routeJSON)
	if rs, _, _ := gatewayRoutes(classes, []gateway{foreign}, []httpRoute{route}); len(rs) != 0 {
		t.Errorf("served another controller's Gateway: %+v", rs)
	}
	// a route in another namespace: the listeners admit only their own (from: Same)
	other := route
	other.Metadata.Namespace = "elsewhere"
	other.Spec.ParentRefs[0].Namespace = ptr("app")
	rs, _, problems := gatewayRoutes(classes, []gateway{decode[gateway](t, gatewayJSON)}, []httpRoute{other})
	if len(rs) != 0 || len(problems) != 1 {
		t.Errorf("routes %+v problems %v", rs, problems)
	}
}

func TestRouteHostsAgainstListenerHostname(t *testing.T) {
	cases := []struct {
		listener string
		route    []string
		want     []string
	}{
		{"", nil, []string{""}},
		{"triboka.test", nil, []string{"triboka.test"}},
		{"", []string{"A.test", "b.test"}, []string{"a.test", "b.test"}},
		{"triboka.test", []string{"triboka.test", "other.test"}, []string{"triboka.test"}},
		{"*.triboka.test", []string{"app.triboka.test", "triboka.test"}, []string{"app.triboka.test"}},
		{"app.triboka.test", []string{"*.triboka.test"}, []string{"app.triboka.test"}},
	}
	for _, c := range cases {
		if got := routeHosts(c.listener, c.route); !reflect.DeepEqual(got, c.want) {
			t.Errorf("listener %q route %v: %v, want %v", c.listener, c.route, got, c.want)
		}
	}
}

func TestUnsupportedRulesAreSkippedNotGuessed(t *testing.T) {
	route := decode[httpRoute](t, `{"metadata":{"name":"r","namespace":"app"},"spec":{
		"parentRefs":[{"name":"rel-triboka-gateway"}],
		"rules":[
			{"matches":[{"path":{"type":"RegularExpression","value":"/a.*"}}],"backendRefs":[{"name":"a","port":1}]},
			{"filters":[{"type":"URLRewrite"}],"backendRefs":[{"name":"b","port":2}]},
			{"matches":[{"path":{"type":"Exact","value":"/exact"}}],"backendRefs":[{"name":"c","port":3}]}]}}`)
	classes := []gatewayClass{decode[gatewayClass](t, classJSON)}
	rs, _, problems := gatewayRoutes(classes, []gateway{decode[gateway](t, gatewayJSON)}, []httpRoute{route})
	if len(problems) != 4 { // two rules on each of the two listeners (no sectionName: both)
		t.Errorf("problems %v", problems)
	}
	tb := &table{routes: dedupe(sortRoutes(rs))}
	if r := tb.match("triboka.test", "/exact", true); r == nil || r.service != "c" || !r.exact {
		t.Errorf("exact: %+v", r)
	}
	if r := tb.match("triboka.test", "/exact/more", true); r != nil {
		t.Errorf("an Exact path matched a longer one: %+v", r)
	}
}

func TestIngressRoutesStillServeBothListeners(t *testing.T) {
	tb := &table{routes: []route{{host: "triboka.test", path: "/", service: "web", redirect: ingressRedirect}}}
	if r := tb.match("triboka.test", "/", false); r == nil || r.redirect == nil {
		t.Fatalf("plain: %+v", r)
	}
	// the same route over TLS proxies (serveHTTP ignores an Ingress redirect on a TLS request)
	if r := tb.match("triboka.test", "/", true); r == nil || r.scheme != "" {
		t.Fatalf("tls: %+v", r)
	}
}

func ptr[T any](v T) *T { return &v }

func TestRuleTimeout(t *testing.T) {
	cases := []struct {
		timeouts string
		want     time.Duration
		bad      bool
	}{
		{`null`, 0, false},
		{`{"request":"60s"}`, time.Minute, false},
		{`{"backendRequest":"1m30s"}`, 90 * time.Second, false},
		{`{"request":"10s","backendRequest":"500ms"}`, 500 * time.Millisecond, false},
		{`{"request":"0s","backendRequest":"2s"}`, 2 * time.Second, false}, // zero: that one is off
		{`{"request":"0s"}`, 0, false},
		{`{"request":"soon"}`, 0, true},
	}
	for _, c := range cases {
		rule := decode[routeRule](t, `{"timeouts":`+c.timeouts+`}`)
		got, err := ruleTimeout(rule)
		if got != c.want || (err != nil) != c.bad {
			t.Errorf("%s: %s, %v; want %s, error %v", c.timeouts, got, err, c.want, c.bad)
		}
	}
	// a rule whose timeout cannot be read is skipped, not served without one
	route := decode[httpRoute](t, `{"metadata":{"name":"r","namespace":"app"},"spec":{"parentRefs":[{"name":"rel-triboka-gateway","sectionName":"https"}],
		"rules":[{"backendRefs":[{"name":"a","port":1}],"timeouts":{"request":"soon"}}]}}`)
	rs, _, problems := gatewayRoutes([]gatewayClass{decode[gatewayClass](t, classJSON)}, []gateway{decode[gateway](t, gatewayJSON)}, []httpRoute{route})
	if len(rs) != 0 || len(problems) != 1 {
		t.Errorf("routes %+v, problems %v", rs, problems)
	}
}
