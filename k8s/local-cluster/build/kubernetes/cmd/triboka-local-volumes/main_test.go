package main

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes/fake"
	listerscorev1 "k8s.io/client-go/listers/core/v1"
	listersstoragev1 "k8s.io/client-go/listers/storage/v1"
	"k8s.io/client-go/tools/cache"
)

const testProvisioner = "triboka.local/local-volumes"

// newProvisioner: a provisioner over a fake API server whose listers hold the given objects.
func newProvisioner(t *testing.T, classes []*storagev1.StorageClass, pvs []*corev1.PersistentVolume) (*provisioner, *fake.Clientset) {
	t.Helper()
	client := fake.NewClientset()
	classIndex := cache.NewIndexer(cache.MetaNamespaceKeyFunc, cache.Indexers{})
	for _, sc := range classes {
		if err := classIndex.Add(sc); err != nil {
			t.Fatal(err)
		}
	}
	pvIndex := cache.NewIndexer(cache.MetaNamespaceKeyFunc, cache.Indexers{})
	for _, pv := range pvs {
		if err := pvIndex.Add(pv); err != nil {
			t.Fatal(err)
		}
	}
	return &provisioner{
		client:  client,
		name:    testProvisioner,
		baseDir: t.TempDir(),
		node:    "node-1",
		pvs:     listerscorev1.NewPersistentVolumeLister(pvIndex),
		classes: listersstoragev1.NewStorageClassLister(classIndex),
		kick:    make(chan struct{}, 1),
	}, client
}

func class(name, provisionerName string) *storagev1.StorageClass {
	return &storagev1.StorageClass{ObjectMeta: metav1.ObjectMeta{Name: name}, Provisioner: provisionerName}
}

func pendingClaim(className string) *corev1.PersistentVolumeClaim {
	return &corev1.PersistentVolumeClaim{
		ObjectMeta: metav1.ObjectMeta{Namespace: "triboka", Name: "data", UID: types.UID("1234")},
		Spec: corev1.PersistentVolumeClaimSpec{
			StorageClassName: &className,
			Resources: corev1.VolumeResourceRequirements{
				Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("1Gi")}},
		},
		Status: corev1.PersistentVolumeClaimStatus{Phase: corev1.ClaimPending},
	}
}

func TestProvisionCreatesABoundHostPathVolume(t *testing.T) {
	p, client := newProvisioner(t, []*storagev1.StorageClass{class("local", testProvisioner)}, nil)
	if err := p.provision(context.Background(), pendingClaim("local")); err != nil {
		t.Fatal(err)
	}
	pv, err := client.CoreV1().PersistentVolumes().Get(context.Background(), "pvc-1234", metav1.GetOptions{})
	if err != nil {
		t.Fatalf("no volume created: %v", err)
	}
	if ref := pv.Spec.ClaimRef; ref == nil || ref.Namespace != "triboka" || ref.Name != "data" || ref.UID != "1234" {
		t.Errorf("claimRef = %+v", pv.Spec.ClaimRef)
	}
	if pv.Spec.PersistentVolumeReclaimPolicy != corev1.PersistentVolumeReclaimDelete {
		t.Errorf("reclaim policy %q, want Delete (the class sets none)", pv.Spec.PersistentVolumeReclaimPolicy)
	}
	if got := pv.Spec.AccessModes; len(got) != 1 || got[0] != corev1.ReadWriteOnce {
		t.Errorf("access modes %v, want [ReadWriteOnce]", got)
	}
	if got := pv.Spec.Capacity[corev1.ResourceStorage]; got.String() != "1Gi" {
		t.Errorf("capacity %s, want 1Gi", got.String())
	}
	if pv.Spec.NodeAffinity == nil {
		t.Error("no node affinity although the provisioner has a node name")
	}
	dir := pv.Spec.HostPath.Path
	if filepath.Dir(dir) != p.baseDir {
		t.Errorf("volume directory %s is not under %s", dir, p.baseDir)
	}
	info, err := os.Stat(dir)
	if err != nil || !info.IsDir() || info.Mode().Perm() != 0o777 {
		t.Errorf("volume directory: %v, %v", info, err)
	}
}

func TestProvisionLeavesOtherClaimsAlone(t *testing.T) {
	wait := storagev1.VolumeBindingWaitForFirstConsumer
	lazy := class("lazy", testProvisioner)
	lazy.VolumeBindingMode = &wait
	block := corev1.PersistentVolumeBlock
	cases := map[string]func(*corev1.PersistentVolumeClaim){
		"another provisioner's class": func(c *corev1.PersistentVolumeClaim) { name := "foreign"; c.Spec.StorageClassName = &name },
		"an unknown class":            func(c *corev1.PersistentVolumeClaim) { name := "missing"; c.Spec.StorageClassName = &name },
		"already bound":               func(c *corev1.PersistentVolumeClaim) { c.Spec.VolumeName = "pv-x" },
		"not pending":                 func(c *corev1.PersistentVolumeClaim) { c.Status.Phase = corev1.ClaimBound },
		"no class":                    func(c *corev1.PersistentVolumeClaim) { c.Spec.StorageClassName = nil },
		"a block volume":              func(c *corev1.PersistentVolumeClaim) { c.Spec.VolumeMode = &block },
		"waiting for its consumer":    func(c *corev1.PersistentVolumeClaim) { name := "lazy"; c.Spec.StorageClassName = &name },
	}
	for name, change := range cases {
		t.Run(name, func(t *testing.T) {
			p, client := newProvisioner(t, []*storagev1.StorageClass{
				class("local", testProvisioner), class("foreign", "example.com/other"), lazy}, nil)
			claim := pendingClaim("local")
			change(claim)
			if err := p.provision(context.Background(), claim); err != nil {
				t.Fatal(err)
			}
			if pvs, _ := client.CoreV1().PersistentVolumes().List(context.Background(), metav1.ListOptions{}); len(pvs.Items) != 0 {
				t.Fatalf("created %d volumes, want none", len(pvs.Items))
			}
		})
	}
}

func releasedVolume(name, dir string) *corev1.PersistentVolume {
	return &corev1.PersistentVolume{
		ObjectMeta: metav1.ObjectMeta{Name: name, Annotations: map[string]string{annProvisionedBy: testProvisioner}},
		Spec: corev1.PersistentVolumeSpec{
			PersistentVolumeReclaimPolicy: corev1.PersistentVolumeReclaimDelete,
			PersistentVolumeSource:        corev1.PersistentVolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: dir}},
		},
		Status: corev1.PersistentVolumeStatus{Phase: corev1.VolumeReleased},
	}
}

func TestReclaimDeletesAReleasedVolumeAndItsDirectory(t *testing.T) {
	p, client := newProvisioner(t, nil, nil)
	dir := filepath.Join(p.baseDir, "triboka_data_pvc-1")
	if err := os.MkdirAll(filepath.Join(dir, "pgdata"), 0o755); err != nil {
		t.Fatal(err)
	}
	pv := releasedVolume("pvc-1", dir)
	if _, err := client.CoreV1().PersistentVolumes().Create(context.Background(), pv, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := p.reclaim(context.Background(), pv); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("directory still there: %v", err)
	}
	if _, err := client.CoreV1().PersistentVolumes().Get(context.Background(), "pvc-1", metav1.GetOptions{}); err == nil {
		t.Error("volume not deleted")
	}
}

func TestReclaimNeverRemovesADirectoryOutsideTheBase(t *testing.T) {
	p, _ := newProvisioner(t, nil, nil)
	outside := t.TempDir()
	for _, dir := range []string{outside, p.baseDir, p.baseDir + "/../" + filepath.Base(outside)} {
		if err := p.reclaim(context.Background(), releasedVolume("pvc-2", dir)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := os.Stat(outside); err != nil {
		t.Fatalf("a directory outside the base was removed: %v", err)
	}
	if _, err := os.Stat(p.baseDir); err != nil {
		t.Fatalf("the base directory itself was removed: %v", err)
	}
}

func TestReclaimKeepsRetainedBoundAndForeignVolumes(t *testing.T) {
	p, _ := newProvisioner(t, nil, nil)
	dir := filepath.Join(p.baseDir, "keep")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	retained := releasedVolume("a", dir)
	retained.Spec.PersistentVolumeReclaimPolicy = corev1.PersistentVolumeReclaimRetain
	bound := releasedVolume("b", dir)
	bound.Status.Phase = corev1.VolumeBound
	foreign := releasedVolume("c", dir)
	foreign.Annotations[annProvisionedBy] = "example.com/other"
	for _, pv := range []*corev1.PersistentVolume{retained, bound, foreign} {
		if err := p.reclaim(context.Background(), pv); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := os.Stat(dir); err != nil {
		t.Fatalf("a kept volume's directory was removed: %v", err)
	}
}
