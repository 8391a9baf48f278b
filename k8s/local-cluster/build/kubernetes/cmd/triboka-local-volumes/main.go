// Command triboka-local-volumes is the local cluster's dynamic volume provisioner: a host process that creates a
// hostPath PersistentVolume (a world-writable directory under --base-dir) for every pending claim of a
// StorageClass whose provisioner is triboka.local/local-volumes, pre-bound to the claim, and deletes the directory
// and the volume when a volume with reclaim policy Delete is released.
package main

import (
	"context"
	"flag"
	"log"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	listerscorev1 "k8s.io/client-go/listers/core/v1"
	listersstoragev1 "k8s.io/client-go/listers/storage/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/clientcmd"
)

const (
	annProvisionedBy = "pv.kubernetes.io/provisioned-by"
	annSelectedNode  = "volume.kubernetes.io/selected-node"
)

type provisioner struct {
	client  kubernetes.Interface
	name    string
	baseDir string
	node    string
	pvcs    listerscorev1.PersistentVolumeClaimLister
	pvs     listerscorev1.PersistentVolumeLister
	classes listersstoragev1.StorageClassLister
	kick    chan struct{}
}

func main() {
	kubeconfig := flag.String("kubeconfig", os.Getenv("KUBECONFIG"), "kubeconfig file")
	name := flag.String("provisioner-name", "triboka.local/local-volumes", "provisioner name StorageClasses refer to")
	baseDir := flag.String("base-dir", "/var/lib/triboka-cluster/volumes", "directory holding the volumes")
	node := flag.String("node-name", "", "node the volumes are on (node affinity); empty = none")
	flag.Parse()
	log.SetFlags(log.LstdFlags | log.Lmicroseconds)

	cfg, err := clientcmd.BuildConfigFromFlags("", *kubeconfig)
	if err != nil {
		log.Fatalf("kubeconfig: %v", err)
	}
	cfg.UserAgent = "triboka-local-volumes"
	client := kubernetes.NewForConfigOrDie(cfg)
	if err := os.MkdirAll(*baseDir, 0o755); err != nil {
		log.Fatal(err)
	}
	f := informers.NewSharedInformerFactory(client, time.Minute)
	p := &provisioner{client: client, name: *name, baseDir: *baseDir, node: *node,
		pvcs:    f.Core().V1().PersistentVolumeClaims().Lister(),
		pvs:     f.Core().V1().PersistentVolumes().Lister(),
		classes: f.Storage().V1().StorageClasses().Lister(),
		kick:    make(chan struct{}, 1)}
	h := cache.ResourceEventHandlerFuncs{
		AddFunc:    func(any) { p.wake() },
		UpdateFunc: func(any, any) { p.wake() },
		DeleteFunc: func(any) { p.wake() },
	}
	for _, inf := range []cache.SharedIndexInformer{f.Core().V1().PersistentVolumeClaims().Informer(),
		f.Core().V1().PersistentVolumes().Informer(), f.Storage().V1().StorageClasses().Informer()} {
		if _, err := inf.AddEventHandler(h); err != nil {
			log.Fatal(err)
		}
	}
	ctx, cancel := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer cancel()
	f.Start(ctx.Done())
	f.WaitForCacheSync(ctx.Done())
	log.Printf("provisioner %s ready, volumes under %s", p.name, p.baseDir)
	tick := time.NewTicker(5 * time.Second)
	defer tick.Stop()
	for {
		p.sync(ctx)
		select {
		case <-ctx.Done():
			return
		case <-p.kick:
			time.Sleep(50 * time.Millisecond)
		case <-tick.C:
		}
	}
}

func (p *provisioner) wake() {
	select {
	case p.kick <- struct{}{}:
	default:
	}
}

func (p *provisioner) sync(ctx context.Context) {
	claims, _ := p.pvcs.List(labels.Everything())
	for _, pvc := range claims {
		if err := p.provision(ctx, pvc); err != nil {
			log.Printf("provision %s/%s: %v", pvc.Namespace, pvc.Name, err)
		}
	}
	vols, _ := p.pvs.List(labels.Everything())
	for _, pv := range vols {
		if err := p.reclaim(ctx, pv); err != nil {
			log.Printf("delete %s: %v", pv.Name, err)
		}
	}
}

func (p *provisioner) provision(ctx context.Context, pvc *corev1.PersistentVolumeClaim) error {
	if pvc.Spec.VolumeName != "" || pvc.Status.Phase != corev1.ClaimPending || pvc.DeletionTimestamp != nil ||
		pvc.Spec.StorageClassName == nil || *pvc.Spec.StorageClassName == "" {
		return nil
	}
	sc, err := p.classes.Get(*pvc.Spec.StorageClassName)
	if err != nil || sc.Provisioner != p.name {
		return nil
	}
	if sc.VolumeBindingMode != nil && *sc.VolumeBindingMode == storagev1.VolumeBindingWaitForFirstConsumer &&
		pvc.Annotations[annSelectedNode] == "" {
		return nil
	}
	if pvc.Spec.VolumeMode != nil && *pvc.Spec.VolumeMode == corev1.PersistentVolumeBlock {
		return nil // only filesystem volumes
	}
	pvName := "pvc-" + string(pvc.UID)
	if _, err := p.pvs.Get(pvName); err == nil {
		return nil
	}
	dir := filepath.Join(p.baseDir, pvc.Namespace+"_"+pvc.Name+"_"+pvName)
	if err := os.MkdirAll(dir, 0o777); err != nil {
		return err
	}
	if err := os.Chmod(dir, 0o777); err != nil { // any uid in the pod may write, as with most local provisioners
		return err
	}
	reclaim := corev1.PersistentVolumeReclaimDelete
	if sc.ReclaimPolicy != nil {
		reclaim = *sc.ReclaimPolicy
	}
	modes := pvc.Spec.AccessModes
	if len(modes) == 0 {
		modes = []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce}
	}
	hostPathType := corev1.HostPathDirectoryOrCreate
	pv := &corev1.PersistentVolume{
		ObjectMeta: metav1.ObjectMeta{Name: pvName, Annotations: map[string]string{annProvisionedBy: p.name}},
		Spec: corev1.PersistentVolumeSpec{
			Capacity:                      corev1.ResourceList{corev1.ResourceStorage: pvc.Spec.Resources.Requests[corev1.ResourceStorage]},
			AccessModes:                   modes,
			PersistentVolumeReclaimPolicy: reclaim,
			StorageClassName:              sc.Name,
			VolumeMode:                    pvc.Spec.VolumeMode,
			MountOptions:                  sc.MountOptions,
			ClaimRef: &corev1.ObjectReference{Kind: "PersistentVolumeClaim", APIVersion: "v1",
				Namespace: pvc.Namespace, Name: pvc.Name, UID: pvc.UID, ResourceVersion: pvc.ResourceVersion},
			PersistentVolumeSource: corev1.PersistentVolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: dir, Type: &hostPathType}},
		},
	}
	if p.node != "" {
		pv.Spec.NodeAffinity = &corev1.VolumeNodeAffinity{Required: &corev1.NodeSelector{NodeSelectorTerms: []corev1.NodeSelectorTerm{{
			MatchExpressions: []corev1.NodeSelectorRequirement{{Key: corev1.LabelHostname, Operator: corev1.NodeSelectorOpIn, Values: []string{p.node}}},
		}}}}
	}
	if _, err := p.client.CoreV1().PersistentVolumes().Create(ctx, pv, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		return err
	}
	log.Printf("provisioned %s for %s/%s at %s", pvName, pvc.Namespace, pvc.Name, dir)
	return nil
}

func (p *provisioner) reclaim(ctx context.Context, pv *corev1.PersistentVolume) error {
	if pv.Annotations[annProvisionedBy] != p.name || pv.DeletionTimestamp != nil ||
		pv.Spec.PersistentVolumeReclaimPolicy != corev1.PersistentVolumeReclaimDelete ||
		(pv.Status.Phase != corev1.VolumeReleased && pv.Status.Phase != corev1.VolumeFailed) {
		return nil
	}
	if hp := pv.Spec.HostPath; hp != nil {
		dir := filepath.Clean(hp.Path)
		if strings.HasPrefix(dir, filepath.Clean(p.baseDir)+string(os.PathSeparator)) {
			if err := os.RemoveAll(dir); err != nil {
				return err
			}
		}
	}
	if err := p.client.CoreV1().PersistentVolumes().Delete(ctx, pv.Name, metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
		return err
	}
	log.Printf("deleted %s", pv.Name)
	return nil
}
