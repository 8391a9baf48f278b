package main

import (
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/tools/cache"
)

// proxyTo: a controller whose only route (any host, /) proxies to a Service "app/backend" whose one ready endpoint
// is the given test server, through the same listers and round robin as in the cluster.
func proxyTo(t *testing.T, backend *httptest.Server, rt route) *controller {
	t.Helper()
	host, portText, err := net.SplitHostPort(backend.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	port64, _ := strconv.ParseInt(portText, 10, 32)
	port, name := int32(port64), "http"
	index := func(objs ...any) cache.Indexer {
		idx := cache.NewIndexer(cache.MetaNamespaceKeyFunc, cache.Indexers{cache.NamespaceIndex: cache.MetaNamespaceIndexFunc})
		for _, o := range objs {
			if err := idx.Add(o); err != nil {
				t.Fatal(err)
			}
		}
		return idx
	}
	svc := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "backend", Namespace: "app"},
		Spec: corev1.ServiceSpec{Ports: []corev1.ServicePort{{Name: name, Port: 80}}}}
	slice := &discoveryv1.EndpointSlice{
		ObjectMeta: metav1.ObjectMeta{Name: "backend-1", Namespace: "app", Labels: map[string]string{discoveryv1.LabelServiceName: "backend"}},
		Ports:      []discoveryv1.EndpointPort{{Name: &name, Port: &port}},
		Endpoints:  []discoveryv1.Endpoint{{Addresses: []string{host}}},
	}
	c := &controller{
		services:  cache.NewGenericLister(index(svc), schema.GroupResource{Resource: "services"}),
		slices:    cache.NewGenericLister(index(slice), schema.GroupResource{Group: "discovery.k8s.io", Resource: "endpointslices"}),
		transport: &http.Transport{},
	}
	rt.path, rt.ns, rt.service, rt.portNum = "/", "app", "backend", 80
	c.table.Store(&table{routes: []route{rt}})
	return c
}

func TestRouteTimeoutAnswers504AndFastRequestsPass(t *testing.T) {
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow" {
			select {
			case <-time.After(2 * time.Second):
			case <-r.Context().Done(): // the proxy gave up: so does the backend
			}
		}
		w.Header().Set("X-Backend", "yes")
		_, _ = w.Write([]byte("ok"))
	}))
	defer backend.Close()
	c := proxyTo(t, backend, route{scheme: "https", timeout: 200 * time.Millisecond, setHeaders: map[string]string{"Strict-Transport-Security": "max-age=1"}})

	fast := httptest.NewRecorder()
	c.serveHTTP(fast, httptest.NewRequest("GET", "https://triboka.test/fast", nil), true)
	if fast.Code != 200 || fast.Header().Get("X-Backend") != "yes" || fast.Header().Get("Strict-Transport-Security") != "max-age=1" {
		t.Fatalf("fast: %d %v", fast.Code, fast.Header())
	}
	start := time.Now()
	slow := httptest.NewRecorder()
	c.serveHTTP(slow, httptest.NewRequest("GET", "https://triboka.test/slow", nil), true)
	if slow.Code != http.StatusGatewayTimeout {
		t.Fatalf("slow: %d %s", slow.Code, slow.Body)
	}
	if took := time.Since(start); took > time.Second {
		t.Fatalf("the timeout of 200ms answered after %s", took)
	}
}

func TestWithoutTimeoutASlowRequestCompletes(t *testing.T) {
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(300 * time.Millisecond)
		_, _ = w.Write([]byte("ok"))
	}))
	defer backend.Close()
	c := proxyTo(t, backend, route{scheme: "https"})
	rec := httptest.NewRecorder()
	c.serveHTTP(rec, httptest.NewRequest("GET", "https://triboka.test/slow", nil), true)
	if rec.Code != 200 || rec.Body.String() != "ok" {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
}
