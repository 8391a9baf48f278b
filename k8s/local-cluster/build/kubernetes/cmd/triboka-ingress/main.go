// Command triboka-ingress is the local cluster's Ingress controller: a small pure-Go reverse proxy that serves
// networking.k8s.io/v1 Ingress objects, with TLS from the Ingress's secrets, as a host process; and Gateway API
// HTTPRoutes on Gateways of its GatewayClass (gateway.go).
//
// It serves every Ingress whose class is handled by this controller (IngressClass spec.controller ==
// triboka.local/ingress-controller), every Ingress without a class, and every Ingress naming a class that does not
// exist. Requests are proxied straight to ready endpoints (EndpointSlices), round robin, with the original Host
// header and X-Forwarded-* headers. The certificate is chosen by SNI. A client that sends no SNI (for example
// https://127.0.0.1/ with a Host header) cannot be matched by name during the handshake, so it gets the TLS secret
// of the oldest Ingress that has one (the only one in a typical test), or a generated self-signed certificate when
// no Ingress has TLS.
package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"flag"
	"fmt"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"os/signal"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	networkingv1 "k8s.io/api/networking/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/dynamic/dynamicinformer"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/clientcmd"
)

const controllerName = "triboka.local/ingress-controller"

type route struct {
	host     string // "" = any host, "*.example.com" = wildcard
	path     string
	exact    bool
	ns       string
	service  string
	portName string
	portNum  int32
	ingress  string          // the Ingress or HTTPRoute it comes from, for the log
	scheme   string          // "" (Ingress): plain and TLS listeners; "http" or "https" (Gateway listener): only those
	redirect *redirectTarget // answer with a redirect (an Ingress's: plain HTTP requests only) instead of proxying
	// response headers set on the way back (HTTPRoute ResponseHeaderModifier)
	setHeaders map[string]string
	timeout    time.Duration // 0: none; else the request is cut and answered 504 (HTTPRoute rule timeouts)
}

// ingressRedirect: the HTTPS redirect of an Ingress with the ssl-redirect annotation.
var ingressRedirect = &redirectTarget{scheme: "https", code: 308}

type table struct {
	routes      []route
	certs       map[string]*tls.Certificate // exact host or "*.domain"
	defaultCert *tls.Certificate
}

type controller struct {
	client    kubernetes.Interface
	factory   informers.SharedInformerFactory
	ingresses cache.GenericLister
	classes   cache.GenericLister
	services  cache.GenericLister
	slices    cache.GenericLister
	secrets   cache.GenericLister
	// Gateway API objects; nil when the cluster has no Gateway API CRDs
	gatewayClasses, gateways, httpRoutes cache.GenericLister
	statusIP                             string
	fallback                             *tls.Certificate
	table                                atomic.Pointer[table]
	rr                                   sync.Map // backend key -> *uint64
	changed                              chan struct{}
	transport                            *http.Transport
}

func main() {
	kubeconfig := flag.String("kubeconfig", os.Getenv("KUBECONFIG"), "kubeconfig file")
	httpAddrs := flag.String("http-addrs", "127.0.0.1:80", "comma-separated HTTP listen addresses")
	httpsAddrs := flag.String("https-addrs", "127.0.0.1:443", "comma-separated HTTPS listen addresses")
	healthAddr := flag.String("healthz-addr", "127.0.0.1:10254", "health endpoint listen address")
	statusIP := flag.String("status-ip", "127.0.0.1", "address written to Ingress status.loadBalancer")
	flag.Parse()
	log.SetFlags(log.LstdFlags | log.Lmicroseconds)

	cfg, err := clientcmd.BuildConfigFromFlags("", *kubeconfig)
	if err != nil {
		log.Fatalf("kubeconfig: %v", err)
	}
	cfg.UserAgent = "triboka-ingress"
	client := kubernetes.NewForConfigOrDie(cfg)
	c := &controller{
		client:   client,
		factory:  informers.NewSharedInformerFactory(client, 10*time.Minute),
		statusIP: *statusIP,
		changed:  make(chan struct{}, 1),
		transport: &http.Transport{
			Proxy:                 nil,
			DialContext:           (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
			MaxIdleConns:          200,
			MaxIdleConnsPerHost:   20,
			IdleConnTimeout:       60 * time.Second,
			ResponseHeaderTimeout: 300 * time.Second,
		},
	}
	c.fallback = selfSigned()
	c.table.Store(&table{certs: map[string]*tls.Certificate{}})

	handler := cache.ResourceEventHandlerFuncs{
		AddFunc:    func(any) { c.kick() },
		UpdateFunc: func(any, any) { c.kick() },
		DeleteFunc: func(any) { c.kick() },
	}
	gi := func(inf cache.SharedIndexInformer, res string, group string) cache.GenericLister {
		if _, err := inf.AddEventHandler(handler); err != nil {
			log.Fatal(err)
		}
		return cache.NewGenericLister(inf.GetIndexer(), schema.GroupResource{Group: group, Resource: res})
	}
	c.ingresses = gi(c.factory.Networking().V1().Ingresses().Informer(), "ingresses", "networking.k8s.io")
	c.classes = gi(c.factory.Networking().V1().IngressClasses().Informer(), "ingressclasses", "networking.k8s.io")
	c.secrets = gi(c.factory.Core().V1().Secrets().Informer(), "secrets", "")
	// Services and EndpointSlices are read per request; no rebuild needed on their changes.
	c.services = cache.NewGenericLister(c.factory.Core().V1().Services().Informer().GetIndexer(), schema.GroupResource{Resource: "services"})
	c.slices = cache.NewGenericLister(c.factory.Discovery().V1().EndpointSlices().Informer().GetIndexer(), schema.GroupResource{Group: "discovery.k8s.io", Resource: "endpointslices"})

	ctx, cancel := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer cancel()
	c.factory.Start(ctx.Done())
	for t, ok := range c.factory.WaitForCacheSync(ctx.Done()) {
		if !ok {
			log.Fatalf("cache sync failed for %v", t)
		}
	}
	// Gateway API only when its CRDs are installed (a restart picks them up when they come later)
	if _, err := client.Discovery().ServerResourcesForGroupVersion(gatewayGroupVersion.String()); err == nil {
		dyn := dynamicinformer.NewDynamicSharedInformerFactory(dynamic.NewForConfigOrDie(cfg), 10*time.Minute)
		c.gatewayClasses = gi(dyn.ForResource(gvrGatewayClasses).Informer(), gvrGatewayClasses.Resource, gvrGatewayClasses.Group)
		c.gateways = gi(dyn.ForResource(gvrGateways).Informer(), gvrGateways.Resource, gvrGateways.Group)
		c.httpRoutes = gi(dyn.ForResource(gvrHTTPRoutes).Informer(), gvrHTTPRoutes.Resource, gvrHTTPRoutes.Group)
		dyn.Start(ctx.Done())
		for t, ok := range dyn.WaitForCacheSync(ctx.Done()) {
			if !ok {
				log.Fatalf("cache sync failed for %v", t)
			}
		}
		log.Printf("serving Gateway API %s (GatewayClass controllerName %s)", gatewayGroupVersion, gatewayControllerName)
	} else {
		log.Printf("no Gateway API %s in the cluster: Ingresses only (%v)", gatewayGroupVersion, err)
	}
	c.rebuild(ctx)
	go c.loop(ctx)

	var servers []*http.Server
	serve := func(addr string, useTLS bool) {
		srv := &http.Server{Addr: addr, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { c.serveHTTP(w, r, useTLS) }),
			ReadHeaderTimeout: 30 * time.Second}
		if useTLS {
			srv.TLSConfig = &tls.Config{GetCertificate: c.certificate, NextProtos: []string{"h2", "http/1.1"}, MinVersion: tls.VersionTLS12}
		}
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			log.Fatalf("listen %s: %v", addr, err)
		}
		servers = append(servers, srv)
		go func() {
			var err error
			if useTLS {
				err = srv.ServeTLS(ln, "", "")
			} else {
				err = srv.Serve(ln)
			}
			if err != nil && !errors.Is(err, http.ErrServerClosed) {
				log.Fatalf("serve %s: %v", addr, err)
			}
		}()
		log.Printf("listening on %s (tls=%v)", addr, useTLS)
	}
	for _, a := range splitList(*httpAddrs) {
		serve(a, false)
	}
	for _, a := range splitList(*httpsAddrs) {
		serve(a, true)
	}
	health := &http.Server{Addr: *healthAddr, ReadHeaderTimeout: 5 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "ok %d routes\n", len(c.table.Load().routes))
	})}
	go func() { _ = health.ListenAndServe() }()

	<-ctx.Done()
	log.Printf("shutting down")
	sctx, scancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer scancel()
	for _, s := range append(servers, health) {
		_ = s.Shutdown(sctx)
	}
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func (c *controller) kick() {
	select {
	case c.changed <- struct{}{}:
	default:
	}
}

func (c *controller) loop(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-c.changed:
			time.Sleep(100 * time.Millisecond) // coalesce bursts
			c.rebuild(ctx)
		}
	}
}

// ours reports whether this controller serves the Ingress.
func (c *controller) ours(ing *networkingv1.Ingress) bool {
	class := ""
	if ing.Spec.IngressClassName != nil {
		class = *ing.Spec.IngressClassName
	} else if a := ing.Annotations["kubernetes.io/ingress.class"]; a != "" {
		class = a
	}
	if class == "" {
		return true
	}
	obj, err := c.classes.Get(class)
	if err != nil {
		return apierrors.IsNotFound(err) // a class nobody defines: serve it here
	}
	ic, ok := obj.(*networkingv1.IngressClass)
	return ok && ic.Spec.Controller == controllerName
}

func (c *controller) rebuild(ctx context.Context) {
	objs, err := c.ingresses.List(labels.Everything())
	if err != nil {
		log.Printf("list ingresses: %v", err)
		return
	}
	var ings []*networkingv1.Ingress
	for _, o := range objs {
		if ing, ok := o.(*networkingv1.Ingress); ok && ing.DeletionTimestamp == nil && c.ours(ing) {
			ings = append(ings, ing)
		}
	}
	sort.Slice(ings, func(i, j int) bool {
		if !ings[i].CreationTimestamp.Equal(&ings[j].CreationTimestamp) {
			return ings[i].CreationTimestamp.Before(&ings[j].CreationTimestamp)
		}
		return ings[i].Namespace+"/"+ings[i].Name < ings[j].Namespace+"/"+ings[j].Name
	})
	t := &table{certs: map[string]*tls.Certificate{}}
	for _, ing := range ings {
		key := ing.Namespace + "/" + ing.Name
		redirect := isTrue(ing.Annotations["nginx.ingress.kubernetes.io/ssl-redirect"]) ||
			isTrue(ing.Annotations["nginx.ingress.kubernetes.io/force-ssl-redirect"]) || isTrue(ing.Annotations["triboka.local/ssl-redirect"])
		tlsHosts := map[string]bool{}
		for _, tl := range ing.Spec.TLS {
			for _, h := range tl.Hosts {
				tlsHosts[strings.ToLower(h)] = true
			}
			if tl.SecretName == "" {
				continue
			}
			c.addCert(t, "ingress "+key, ing.Namespace, tl.SecretName, tl.Hosts)
		}
		if b := ing.Spec.DefaultBackend; b != nil && b.Service != nil {
			t.routes = append(t.routes, mkRoute("", "/", false, ing, b, key, false))
		}
		for _, rule := range ing.Spec.Rules {
			if rule.HTTP == nil {
				continue
			}
			host := strings.ToLower(rule.Host)
			for _, p := range rule.HTTP.Paths {
				if p.Backend.Service == nil {
					continue
				}
				path := p.Path
				if path == "" {
					path = "/"
				}
				exact := p.PathType != nil && *p.PathType == networkingv1.PathTypeExact
				t.routes = append(t.routes, mkRoute(host, path, exact, ing, &p.Backend, key, redirect && tlsHosts[host]))
			}
		}
	}
	gatewayRoutes := c.addGatewayRoutes(t)
	t.routes = dedupe(sortRoutes(t.routes))
	c.table.Store(t)
	log.Printf("configuration: %d ingresses, %d gateway routes, %d routes, %d tls hosts", len(ings), gatewayRoutes, len(t.routes), len(t.certs))
	c.updateStatus(ctx, ings)
}

// sortRoutes orders routes by precedence: exact hosts before wildcards before any host, then Exact paths before
// prefixes, then longer paths first (Ingress and Gateway API agree on this much).
func sortRoutes(rs []route) []route {
	sort.SliceStable(rs, func(i, j int) bool {
		a, b := rs[i], rs[j]
		if ha, hb := hostRank(a.host), hostRank(b.host); ha != hb {
			return ha < hb
		}
		if a.exact != b.exact {
			return a.exact
		}
		return len(a.path) > len(b.path)
	})
	return rs
}

// addCert loads a TLS Secret into the table for the hosts (none: as the default certificate only).
func (c *controller) addCert(t *table, source, ns, name string, hosts []string) {
	obj, err := c.secrets.ByNamespace(ns).Get(name)
	if err != nil {
		log.Printf("%s: tls secret %s/%s: %v", source, ns, name, err)
		return
	}
	sec := obj.(*corev1.Secret)
	cert, err := tls.X509KeyPair(sec.Data[corev1.TLSCertKey], sec.Data[corev1.TLSPrivateKeyKey])
	if err != nil {
		log.Printf("%s: tls secret %s/%s: %v", source, ns, name, err)
		return
	}
	if t.defaultCert == nil {
		t.defaultCert = &cert
	}
	for _, h := range hosts {
		h = strings.ToLower(h)
		if _, dup := t.certs[h]; !dup && h != "" {
			t.certs[h] = &cert
		}
	}
}

// addGatewayRoutes adds the HTTPRoutes' routes and the Gateways' certificates; returns how many routes.
func (c *controller) addGatewayRoutes(t *table) int {
	if c.httpRoutes == nil {
		return 0
	}
	classes, err1 := listAs[gatewayClass](c.gatewayClasses)
	gateways, err2 := listAs[gateway](c.gateways)
	routes, err3 := listAs[httpRoute](c.httpRoutes)
	if err := errors.Join(err1, err2, err3); err != nil {
		log.Printf("gateway api: %v", err)
		return 0
	}
	rs, certs, problems := gatewayRoutes(classes, gateways, routes)
	for _, p := range problems {
		log.Print(p)
	}
	for _, cs := range certs {
		c.addCert(t, "gateway "+cs.gateway, cs.namespace, cs.name, []string{cs.host})
	}
	t.routes = append(t.routes, rs...)
	return len(rs)
}

// listAs decodes every object of a dynamic lister into T.
func listAs[T any](l cache.GenericLister) ([]T, error) {
	objs, err := l.List(labels.Everything())
	if err != nil {
		return nil, err
	}
	out := make([]T, 0, len(objs))
	for _, o := range objs {
		u, ok := o.(runtime.Unstructured)
		if !ok {
			continue
		}
		var v T
		if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.UnstructuredContent(), &v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

func isTrue(s string) bool { b, _ := strconv.ParseBool(s); return b }

func dedupe(rs []route) []route {
	seen := map[string]bool{}
	out := rs[:0]
	for _, r := range rs {
		k := fmt.Sprintf("%s|%s|%v|%s", r.host, r.path, r.exact, r.scheme)
		if seen[k] {
			continue // the oldest Ingress wins a conflict
		}
		seen[k] = true
		out = append(out, r)
	}
	return out
}

func hostRank(h string) int {
	switch {
	case h == "":
		return 2
	case strings.HasPrefix(h, "*."):
		return 1
	default:
		return 0
	}
}

func mkRoute(host, path string, exact bool, ing *networkingv1.Ingress, b *networkingv1.IngressBackend, key string, redirect bool) route {
	r := route{host: host, path: path, exact: exact, ns: ing.Namespace, service: b.Service.Name,
		portName: b.Service.Port.Name, portNum: b.Service.Port.Number, ingress: key}
	if redirect {
		r.redirect = ingressRedirect
	}
	return r
}

func (c *controller) updateStatus(ctx context.Context, ings []*networkingv1.Ingress) {
	if c.statusIP == "" {
		return
	}
	for _, ing := range ings {
		lb := ing.Status.LoadBalancer.Ingress
		if len(lb) == 1 && lb[0].IP == c.statusIP && lb[0].Hostname == "" {
			continue
		}
		cp := ing.DeepCopy()
		cp.Status.LoadBalancer.Ingress = []networkingv1.IngressLoadBalancerIngress{{IP: c.statusIP}}
		if _, err := c.client.NetworkingV1().Ingresses(ing.Namespace).UpdateStatus(ctx, cp, metav1.UpdateOptions{}); err != nil && !apierrors.IsConflict(err) && !apierrors.IsNotFound(err) {
			log.Printf("ingress %s/%s status: %v", ing.Namespace, ing.Name, err)
		}
	}
}

func (c *controller) certificate(hello *tls.ClientHelloInfo) (*tls.Certificate, error) {
	t := c.table.Load()
	name := strings.ToLower(strings.TrimSuffix(hello.ServerName, "."))
	if name != "" {
		if cert := t.certs[name]; cert != nil {
			return cert, nil
		}
		if i := strings.IndexByte(name, '.'); i > 0 {
			if cert := t.certs["*"+name[i:]]; cert != nil {
				return cert, nil
			}
		}
	}
	if t.defaultCert != nil {
		return t.defaultCert, nil
	}
	return c.fallback, nil
}

func hostMatches(pattern, host string) bool {
	switch {
	case pattern == "":
		return true
	case strings.HasPrefix(pattern, "*."):
		// a wildcard covers exactly one label
		i := strings.IndexByte(host, '.')
		return i > 0 && host[i:] == pattern[1:]
	default:
		return pattern == host
	}
}

func pathMatches(r route, path string) bool {
	if r.exact {
		return path == r.path
	}
	if r.path == "/" {
		return true
	}
	p := strings.TrimSuffix(r.path, "/")
	return path == p || strings.HasPrefix(path, p+"/")
}

type ctxKey struct{}

// match: the route of the highest precedence for a request (host without port, path) on a plain or TLS listener.
func (t *table) match(host, path string, secure bool) *route {
	for i := range t.routes {
		r := &t.routes[i]
		if (r.scheme == "" || (r.scheme == "https") == secure) && hostMatches(r.host, host) && pathMatches(*r, path) {
			return r
		}
	}
	return nil
}

func (c *controller) serveHTTP(w http.ResponseWriter, r *http.Request, secure bool) {
	start := time.Now()
	host := strings.ToLower(r.Host)
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.TrimSuffix(host, ".")
	rt := c.table.Load().match(host, r.URL.Path, secure)
	sw := &statusWriter{ResponseWriter: w, status: 200}
	backend := "-"
	defer func() {
		log.Printf("%s %s %s%s -> %s %d %s", r.RemoteAddr, r.Method, r.Host, r.URL.RequestURI(), backend, sw.status, time.Since(start).Round(time.Millisecond))
	}()
	if rt == nil {
		http.Error(sw, "404 page not found (no Ingress rule matches)", http.StatusNotFound)
		return
	}
	if rt.redirect != nil && (rt.scheme != "" || !secure) {
		http.Redirect(sw, r, rt.redirect.location(r.Host, r.URL.RequestURI(), secure), rt.redirect.code)
		return
	}
	target, err := c.endpoint(rt)
	if err != nil {
		backend = rt.ns + "/" + rt.service
		http.Error(sw, "503 service unavailable: "+err.Error(), http.StatusServiceUnavailable)
		return
	}
	backend = target.Host
	if rt.timeout > 0 {
		ctx, cancel := context.WithTimeout(r.Context(), rt.timeout)
		defer cancel()
		r = r.WithContext(ctx)
	}
	proxy := &httputil.ReverseProxy{
		Transport: c.transport,
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(target)
			pr.Out.Host = pr.In.Host
			pr.SetXForwarded()
		},
		ModifyResponse: func(resp *http.Response) error {
			for name, value := range rt.setHeaders {
				resp.Header.Set(name, value)
			}
			return nil
		},
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			log.Printf("proxy %s: %v", target.Host, err)
			if errors.Is(err, context.DeadlineExceeded) {
				http.Error(w, "504 gateway timeout", http.StatusGatewayTimeout)
				return
			}
			http.Error(w, "502 bad gateway", http.StatusBadGateway)
		},
	}
	proxy.ServeHTTP(sw, r)
}

// endpoint picks a ready endpoint of the route's Service port, round robin.
func (c *controller) endpoint(rt *route) (*url.URL, error) {
	obj, err := c.services.ByNamespace(rt.ns).Get(rt.service)
	if err != nil {
		return nil, fmt.Errorf("service %s/%s: %v", rt.ns, rt.service, err)
	}
	svc := obj.(*corev1.Service)
	var sp *corev1.ServicePort
	for i := range svc.Spec.Ports {
		p := &svc.Spec.Ports[i]
		if (rt.portName != "" && p.Name == rt.portName) || (rt.portName == "" && p.Port == rt.portNum) {
			sp = p
			break
		}
	}
	if sp == nil {
		return nil, fmt.Errorf("service %s/%s has no port %s%d", rt.ns, rt.service, rt.portName, rt.portNum)
	}
	if svc.Spec.Type == corev1.ServiceTypeExternalName {
		return &url.URL{Scheme: "http", Host: net.JoinHostPort(svc.Spec.ExternalName, strconv.Itoa(int(sp.Port)))}, nil
	}
	sel, _ := labels.Parse(discoveryv1.LabelServiceName + "=" + rt.service)
	objs, err := c.slices.ByNamespace(rt.ns).List(sel)
	if err != nil {
		return nil, err
	}
	var addrs []string
	sort.Slice(objs, func(i, j int) bool {
		return objs[i].(*discoveryv1.EndpointSlice).Name < objs[j].(*discoveryv1.EndpointSlice).Name
	})
	for _, o := range objs {
		es := o.(*discoveryv1.EndpointSlice)
		var port int32 = -1
		for _, p := range es.Ports {
			name := ""
			if p.Name != nil {
				name = *p.Name
			}
			if name == sp.Name && p.Port != nil {
				port = *p.Port
			}
		}
		if port < 0 {
			continue
		}
		for _, ep := range es.Endpoints {
			if ep.Conditions.Ready != nil && !*ep.Conditions.Ready {
				continue
			}
			for _, a := range ep.Addresses {
				addrs = append(addrs, net.JoinHostPort(a, strconv.Itoa(int(port))))
			}
		}
	}
	if len(addrs) == 0 {
		return nil, fmt.Errorf("no ready endpoints for service %s/%s port %s", rt.ns, rt.service, portLabel(sp))
	}
	key := rt.ns + "/" + rt.service + ":" + portLabel(sp)
	v, _ := c.rr.LoadOrStore(key, new(uint64))
	n := atomic.AddUint64(v.(*uint64), 1)
	return &url.URL{Scheme: "http", Host: addrs[int(n%uint64(len(addrs)))]}, nil
}

func portLabel(sp *corev1.ServicePort) string {
	if sp.Name != "" {
		return sp.Name
	}
	return strconv.Itoa(int(sp.Port))
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (s *statusWriter) WriteHeader(code int)        { s.status = code; s.ResponseWriter.WriteHeader(code) }
func (s *statusWriter) Unwrap() http.ResponseWriter { return s.ResponseWriter }
func (s *statusWriter) Flush() {
	if f, ok := s.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func selfSigned() *tls.Certificate {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		log.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: "triboka-ingress default certificate"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(365 * 24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:     []string{"ingress.local"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		log.Fatal(err)
	}
	return &tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}
