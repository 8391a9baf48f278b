package main

// Gateway API (gateway.networking.k8s.io/v1): the controller also serves the HTTPRoutes attached to Gateways of a
// GatewayClass whose controllerName is gatewayControllerName. A Gateway's listeners map onto the controller's own
// addresses by protocol (HTTP: the plain ones, HTTPS: the TLS ones; their port numbers are not used); an HTTPS
// listener's certificate comes from its Secret refs (for its hostname, or the default certificate without one).
// Matches: PathPrefix (the default) and Exact paths; filters: RequestRedirect (scheme, hostname, port, status
// code) and ResponseHeaderModifier `set`; a rule with another filter or match kind is skipped and logged. A rule's
// timeouts (request, backendRequest) bound the proxied request: past the shorter one the client gets a 504. Routes
// attach to listeners whose allowedRoutes admit their namespace (Same, the default, or All). One backendRef per
// rule is used (weights are not). The Gateway API CRDs are optional: without them only Ingresses are served.

import (
	"fmt"
	"sort"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

const gatewayControllerName = "triboka.local/gateway-controller"

var (
	gatewayGroupVersion = schema.GroupVersion{Group: "gateway.networking.k8s.io", Version: "v1"}
	gvrGatewayClasses   = gatewayGroupVersion.WithResource("gatewayclasses")
	gvrGateways         = gatewayGroupVersion.WithResource("gateways")
	gvrHTTPRoutes       = gatewayGroupVersion.WithResource("httproutes")
)

// The fields of the Gateway API objects this controller reads (decoded from unstructured objects).
type gatewayClass struct {
	Metadata metav1.ObjectMeta `json:"metadata"`
	Spec     struct {
		ControllerName string `json:"controllerName"`
	} `json:"spec"`
}

type gateway struct {
	Metadata metav1.ObjectMeta `json:"metadata"`
	Spec     struct {
		GatewayClassName string     `json:"gatewayClassName"`
		Listeners        []listener `json:"listeners"`
	} `json:"spec"`
}

type listener struct {
	Name     string  `json:"name"`
	Hostname *string `json:"hostname"`
	Protocol string  `json:"protocol"`
	TLS      *struct {
		CertificateRefs []objectRef `json:"certificateRefs"`
	} `json:"tls"`
	AllowedRoutes *struct {
		Namespaces *struct {
			From string `json:"from"`
		} `json:"namespaces"`
	} `json:"allowedRoutes"`
}

type objectRef struct {
	Kind        string  `json:"kind"`
	Name        string  `json:"name"`
	Namespace   *string `json:"namespace"`
	SectionName *string `json:"sectionName"`
	Port        *int32  `json:"port"`
}

type httpRoute struct {
	Metadata metav1.ObjectMeta `json:"metadata"`
	Spec     struct {
		ParentRefs []objectRef `json:"parentRefs"`
		Hostnames  []string    `json:"hostnames"`
		Rules      []routeRule `json:"rules"`
	} `json:"spec"`
}

type routeRule struct {
	Matches []struct {
		Path *struct {
			Type  *string `json:"type"`
			Value *string `json:"value"`
		} `json:"path"`
		Headers     []any   `json:"headers"`
		QueryParams []any   `json:"queryParams"`
		Method      *string `json:"method"`
	} `json:"matches"`
	Filters []struct {
		Type            string `json:"type"`
		RequestRedirect *struct {
			Scheme     *string `json:"scheme"`
			Hostname   *string `json:"hostname"`
			Port       *int32  `json:"port"`
			StatusCode *int    `json:"statusCode"`
		} `json:"requestRedirect"`
		ResponseHeaderModifier *struct {
			Set []struct {
				Name  string `json:"name"`
				Value string `json:"value"`
			} `json:"set"`
		} `json:"responseHeaderModifier"`
	} `json:"filters"`
	BackendRefs []objectRef `json:"backendRefs"`
	Timeouts    *struct {
		Request        *string `json:"request"`
		BackendRequest *string `json:"backendRequest"`
	} `json:"timeouts"`
}

// ruleTimeout: the time a rule's request may take. With one backend attempt per request (no retries) the
// backendRequest timeout bounds it as much as the request timeout does, so the shorter applies; "0s" or none
// disables one (Gateway API: a zero duration means no timeout). Gateway API durations are a subset of Go's.
func ruleTimeout(rule routeRule) (time.Duration, error) {
	if rule.Timeouts == nil {
		return 0, nil
	}
	var out time.Duration
	for _, s := range []*string{rule.Timeouts.Request, rule.Timeouts.BackendRequest} {
		if s == nil {
			continue
		}
		d, err := time.ParseDuration(*s)
		if err != nil || d < 0 {
			return 0, fmt.Errorf("timeout %q is not a duration", *s)
		}
		if d > 0 && (out == 0 || d < out) {
			out = d
		}
	}
	return out, nil
}

// redirectTarget is a RequestRedirect filter: the parts of the URL it replaces (empty/0: keep the request's).
type redirectTarget struct {
	scheme   string
	hostname string
	port     int32
	code     int
}

// certSource is a listener's TLS Secret and the host names it serves ("" = the default certificate).
type certSource struct {
	namespace, name, host, gateway string
}

func deref[T any](p *T, fallback T) T {
	if p == nil {
		return fallback
	}
	return *p
}

func key(m metav1.ObjectMeta) string { return m.Namespace + "/" + m.Name }

// gatewayRoutes turns the Gateway API objects into the controller's routes and the certificates to load. Only
// Gateways of our classes count; problems (what is skipped and why) are returned for the log.
func gatewayRoutes(classes []gatewayClass, gateways []gateway, routes []httpRoute) ([]route, []certSource, []string) {
	ours := map[string]bool{}
	for _, gc := range classes {
		if gc.Spec.ControllerName == gatewayControllerName {
			ours[gc.Metadata.Name] = true
		}
	}
	byKey := map[string]*gateway{}
	var certs []certSource
	for i := range gateways {
		gw := &gateways[i]
		if !ours[gw.Spec.GatewayClassName] {
			continue
		}
		byKey[key(gw.Metadata)] = gw
		for _, l := range gw.Spec.Listeners {
			if l.Protocol != "HTTPS" || l.TLS == nil {
				continue
			}
			for _, ref := range l.TLS.CertificateRefs {
				certs = append(certs, certSource{namespace: deref(ref.Namespace, gw.Metadata.Namespace), name: ref.Name,
					host: strings.ToLower(deref(l.Hostname, "")), gateway: key(gw.Metadata)})
			}
		}
	}
	sorted := append([]httpRoute(nil), routes...)
	sort.SliceStable(sorted, func(i, j int) bool { // the oldest route wins a conflict, as with Ingresses
		a, b := sorted[i].Metadata, sorted[j].Metadata
		if !a.CreationTimestamp.Equal(&b.CreationTimestamp) {
			return a.CreationTimestamp.Before(&b.CreationTimestamp)
		}
		return key(a) < key(b)
	})
	var out []route
	var problems []string
	for _, hr := range sorted {
		rk := key(hr.Metadata)
		for _, parent := range hr.Spec.ParentRefs {
			if parent.Kind != "" && parent.Kind != "Gateway" {
				continue
			}
			gw := byKey[deref(parent.Namespace, hr.Metadata.Namespace)+"/"+parent.Name]
			if gw == nil {
				continue // another controller's Gateway, or none
			}
			for _, l := range gw.Spec.Listeners {
				if parent.SectionName != nil && *parent.SectionName != l.Name {
					continue
				}
				if !admits(l, gw.Metadata.Namespace, hr.Metadata.Namespace) {
					problems = append(problems, fmt.Sprintf("httproute %s: listener %s/%s does not admit its namespace", rk, key(gw.Metadata), l.Name))
					continue
				}
				scheme := map[string]string{"HTTP": "http", "HTTPS": "https"}[l.Protocol]
				if scheme == "" {
					problems = append(problems, fmt.Sprintf("httproute %s: listener %s/%s: protocol %s not served", rk, key(gw.Metadata), l.Name, l.Protocol))
					continue
				}
				for _, host := range routeHosts(deref(l.Hostname, ""), hr.Spec.Hostnames) {
					rs, ps := ruleRoutes(hr, host, scheme)
					out = append(out, rs...)
					problems = append(problems, ps...)
				}
			}
		}
	}
	return out, certs, problems
}

// admits: a listener's allowedRoutes.namespaces.from (Same by default, or All; Selector is not supported).
func admits(l listener, gatewayNS, routeNS string) bool {
	from := "Same"
	if l.AllowedRoutes != nil && l.AllowedRoutes.Namespaces != nil && l.AllowedRoutes.Namespaces.From != "" {
		from = l.AllowedRoutes.Namespaces.From
	}
	return from == "All" || (from == "Same" && gatewayNS == routeNS)
}

// routeHosts: the host names a route serves on a listener: the route's that the listener's hostname admits, or the
// listener's own when the route names none ("" = any host).
func routeHosts(listenerHost string, routeHosts []string) []string {
	listenerHost = strings.ToLower(listenerHost)
	if len(routeHosts) == 0 {
		return []string{listenerHost}
	}
	var out []string
	for _, h := range routeHosts {
		h = strings.ToLower(h)
		switch {
		case listenerHost == "" || listenerHost == h || hostMatches(listenerHost, h):
			out = append(out, h)
		case strings.HasPrefix(h, "*.") && hostMatches(h, listenerHost):
			out = append(out, listenerHost) // a wildcard route on a specific listener serves the listener's name
		}
	}
	return out
}

// ruleRoutes: the routes of one HTTPRoute's rules for one host on one kind of listener.
func ruleRoutes(hr httpRoute, host, scheme string) ([]route, []string) {
	rk := key(hr.Metadata)
	var out []route
	var problems []string
	for i, rule := range hr.Spec.Rules {
		base := route{host: host, scheme: scheme, ingress: "httproute " + rk}
		ok := true
		timeout, err := ruleTimeout(rule)
		if err != nil {
			problems = append(problems, fmt.Sprintf("httproute %s rule %d: %v: rule skipped", rk, i, err))
			ok = false
		}
		base.timeout = timeout
		for _, f := range rule.Filters {
			switch {
			case f.Type == "RequestRedirect" && f.RequestRedirect != nil:
				rr := f.RequestRedirect
				base.redirect = &redirectTarget{scheme: deref(rr.Scheme, ""), hostname: deref(rr.Hostname, ""),
					port: deref(rr.Port, 0), code: deref(rr.StatusCode, 302)}
			case f.Type == "ResponseHeaderModifier" && f.ResponseHeaderModifier != nil:
				base.setHeaders = map[string]string{}
				for _, h := range f.ResponseHeaderModifier.Set {
					base.setHeaders[h.Name] = h.Value
				}
			default:
				problems = append(problems, fmt.Sprintf("httproute %s rule %d: filter %s not supported: rule skipped", rk, i, f.Type))
				ok = false
			}
		}
		if base.redirect == nil {
			if len(rule.BackendRefs) == 0 || rule.BackendRefs[0].Port == nil || (rule.BackendRefs[0].Kind != "" && rule.BackendRefs[0].Kind != "Service") {
				problems = append(problems, fmt.Sprintf("httproute %s rule %d: no Service backendRef with a port: rule skipped", rk, i))
				ok = false
			} else {
				b := rule.BackendRefs[0]
				base.ns, base.service, base.portNum = deref(b.Namespace, hr.Metadata.Namespace), b.Name, *b.Port
			}
		}
		if !ok {
			continue
		}
		matches := rule.Matches
		if len(matches) == 0 {
			out = append(out, withPath(base, "/", false))
			continue
		}
		for _, m := range matches {
			if len(m.Headers) > 0 || len(m.QueryParams) > 0 || m.Method != nil {
				problems = append(problems, fmt.Sprintf("httproute %s rule %d: header, query or method matches not supported: match skipped", rk, i))
				continue
			}
			typ, value := "PathPrefix", "/"
			if m.Path != nil {
				typ, value = deref(m.Path.Type, "PathPrefix"), deref(m.Path.Value, "/")
			}
			switch typ {
			case "PathPrefix", "Exact":
				out = append(out, withPath(base, value, typ == "Exact"))
			default:
				problems = append(problems, fmt.Sprintf("httproute %s rule %d: path match %s not supported: match skipped", rk, i, typ))
			}
		}
	}
	return out, problems
}

func withPath(r route, path string, exact bool) route {
	r.path, r.exact = path, exact
	return r
}

// redirectURL: where a RequestRedirect sends a request that arrived with this host header and path.
func (rt *redirectTarget) location(requestHost, requestURI string, secure bool) string {
	scheme := rt.scheme
	if scheme == "" {
		scheme = map[bool]string{true: "https", false: "http"}[secure]
	}
	host := requestHost
	if h, _, ok := strings.Cut(requestHost, ":"); ok {
		host = h
	}
	if rt.hostname != "" {
		host = rt.hostname
	}
	// the port: the filter's, else the scheme's default (a changed scheme drops the request's port)
	if rt.port != 0 && !(scheme == "https" && rt.port == 443) && !(scheme == "http" && rt.port == 80) {
		host = fmt.Sprintf("%s:%d", host, rt.port)
	}
	return scheme + "://" + host + requestURI
}
