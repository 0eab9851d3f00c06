// Command workspaces_exporter_go is a comparison peer for the benchmarks in
// bench/compare.py: a WorkSpaces images exporter written the way Go exporters
// usually are, with aws-sdk-go v1 and client_golang.
//
// On every scrape its collector calls DescribeWorkspaceImages (all pages, 25
// per page) through the SDK and emits const metrics; promhttp serves them,
// gzip-compressed when the scraper accepts it. It exports the images-collector
// families of spec/metrics.md, labelled with account_id and region.
//
// The SDK's WorkspaceImage has no ErrorDetails and the SDK has no paginator
// for this operation, so the collector builds the request itself on the
// service client (whose JSON-RPC build, sign and unmarshal handlers are
// attached) with its own output struct, and follows NextToken itself.
package main

import (
	"context"
	"flag"
	"log"
	"net/http"
	"os"
	"sort"
	"time"

	"github.com/aws/aws-sdk-go/aws"
	"github.com/aws/aws-sdk-go/aws/awserr"
	"github.com/aws/aws-sdk-go/aws/request"
	"github.com/aws/aws-sdk-go/aws/session"
	"github.com/aws/aws-sdk-go/service/workspaces"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

const (
	pageSize = 25
	maxPages = 1000
	unknown  = "unknown"
)

// Label values of the WorkSpaces API model that always get a series.
var (
	imageStates = []string{"AVAILABLE", "PENDING", "ERROR"}
	tenancies   = []string{"DEFAULT", "DEDICATED"}
	osTypes     = []string{"WINDOWS", "LINUX"}
	// The ErrorDetails codes of the API model (WorkspaceImageErrorDetailCode).
	errorDetailCodes = []string{
		"OutdatedPowershellVersion", "OfficeInstalled", "PCoIPAgentInstalled", "WindowsUpdatesEnabled",
		"AutoMountDisabled", "WorkspacesBYOLAccountNotFound", "WorkspacesBYOLAccountDisabled", "DHCPDisabled",
		"DiskFreeSpace", "AdditionalDrivesAttached", "OSNotSupported", "DomainJoined", "AzureDomainJoined",
		"FirewallEnabled", "VMWareToolsInstalled", "DiskSizeExceeded", "IncompatiblePartitioning",
		"PendingReboot", "AutoLogonEnabled", "RealTimeUniversalDisabled", "MultipleBootPartition",
		"Requires64BitOS", "ZeroRearmCount", "InPlaceUpgrade", "AntiVirusInstalled", "UEFINotSupported",
		"UnknownError", "AppXPackagesInstalled", "ReservedStorageInUse", "AdditionalDrivesPresent",
		"WindowsUpdatesRequired", "SysPrepFileMissing", "UserProfileMissing", "InsufficientDiskSpace",
		"EnvironmentVariablesPathMissingEntries", "DomainAccountServicesFound", "InvalidIp",
		"RemoteDesktopServicesDisabled", "WindowsModulesInstallerDisabled", "AmazonSsmAgentEnabled",
		"UnsupportedSecurityProtocol", "MultipleUserProfiles", "StagedAppxPackage", "UnsupportedOsUpgrade",
		"InsufficientRearmCount", "ProtocolOSIncompatibility", "MemoryIntegrityIncompatibility",
		"RestrictedDriveLetterInUse",
	}
)

// describeImagesOutput is DescribeWorkspaceImagesOutput with ErrorDetails,
// tagged the way the SDK's JSON unmarshaler reads its own shapes.
type describeImagesOutput struct {
	_         struct{}   `type:"structure"`
	Images    []*wsImage `type:"list"`
	NextToken *string    `type:"string"`
}

type wsImage struct {
	_               struct{}                    `type:"structure"`
	Created         *time.Time                  `type:"timestamp"`
	ErrorCode       *string                     `type:"string"`
	ErrorDetails    []*errorDetail              `type:"list"`
	ImageId         *string                     `type:"string"`
	Name            *string                     `type:"string"`
	OperatingSystem *workspaces.OperatingSystem `type:"structure"`
	OwnerAccountId  *string                     `type:"string"`
	RequiredTenancy *string                     `type:"string"`
	State           *string                     `type:"string"`
	Updates         *workspaces.UpdateResult    `type:"structure"`
}

type errorDetail struct {
	_            struct{} `type:"structure"`
	ErrorCode    *string  `type:"string"`
	ErrorMessage *string  `type:"string"`
}

var describeOp = &request.Operation{Name: "DescribeWorkspaceImages", HTTPMethod: "POST", HTTPPath: "/"}

func value(s *string) string {
	if s == nil || *s == "" {
		return unknown
	}
	return *s
}

type imagesCollector struct {
	client  *workspaces.WorkSpaces
	timeout time.Duration
	labels  []string // account_id, region

	images, imageErrors, updatesAvailable, info, age, created, update, up, duration *prometheus.Desc
}

func newImagesCollector(client *workspaces.WorkSpaces, account, region string, timeout time.Duration) *imagesCollector {
	target := []string{"account_id", "region"}
	with := func(extra ...string) []string { return append(append([]string{}, target...), extra...) }
	return &imagesCollector{
		client:  client,
		timeout: timeout,
		labels:  []string{account, region},
		images: prometheus.NewDesc("aws_workspaces_images",
			"Number of WorkSpaces images by state, required tenancy and operating system.",
			with("state", "required_tenancy", "os_type"), nil),
		imageErrors: prometheus.NewDesc("aws_workspaces_image_errors",
			"Number of WorkSpaces images reporting an error code, as their ErrorCode or in ErrorDetails.",
			with("error_code"), nil),
		updatesAvailable: prometheus.NewDesc("aws_workspaces_images_update_available",
			"Number of WorkSpaces images with updates available.", with(), nil),
		info: prometheus.NewDesc("aws_workspaces_image_info", "Information about a WorkSpaces image; always 1.",
			with("image_id", "name", "state", "required_tenancy", "os_type", "owner_account_id"), nil),
		age: prometheus.NewDesc("aws_workspaces_image_age_seconds",
			"Seconds since the WorkSpaces image was created.", with("image_id"), nil),
		created: prometheus.NewDesc("aws_workspaces_image_created_timestamp_seconds",
			"When the WorkSpaces image was created, in Unix seconds.", with("image_id"), nil),
		update: prometheus.NewDesc("aws_workspaces_image_update_available",
			"Whether updates are available for the WorkSpaces image (1) or not (0).", with("image_id"), nil),
		up: prometheus.NewDesc("aws_workspaces_up",
			"1 when the images collection of this scrape succeeded, else 0.", with(), nil),
		duration: prometheus.NewDesc("aws_workspaces_scrape_duration_seconds",
			"Seconds the images collection took.", with(), nil),
	}
}

func (c *imagesCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.images, c.imageErrors, c.updatesAvailable, c.info, c.age, c.created, c.update, c.up, c.duration} {
		ch <- d
	}
}

// fetch reads every page of DescribeWorkspaceImages.
func (c *imagesCollector) fetch(ctx context.Context) ([]*wsImage, error) {
	var all []*wsImage
	var token *string
	seen := map[string]bool{}
	for page := 0; page < maxPages; page++ {
		input := &workspaces.DescribeWorkspaceImagesInput{MaxResults: aws.Int64(pageSize), NextToken: token}
		output := &describeImagesOutput{}
		req := c.client.NewRequest(describeOp, input, output)
		req.SetContext(ctx)
		if err := req.Send(); err != nil {
			return nil, err
		}
		all = append(all, output.Images...)
		if output.NextToken == nil || *output.NextToken == "" {
			return all, nil
		}
		if seen[*output.NextToken] {
			return nil, awserr.New("PaginationError", "NextToken repeated", nil)
		}
		seen[*output.NextToken] = true
		token = output.NextToken
	}
	return nil, awserr.New("PaginationError", "too many pages", nil)
}

func (c *imagesCollector) Collect(ch chan<- prometheus.Metric) {
	start := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), c.timeout)
	images, err := c.fetch(ctx)
	cancel()
	elapsed := time.Since(start).Seconds()
	ch <- prometheus.MustNewConstMetric(c.duration, prometheus.GaugeValue, elapsed, c.labels...)
	if err != nil {
		code, message := "Unknown", err.Error()
		if aerr, ok := err.(awserr.Error); ok {
			code, message = aerr.Code(), aerr.Message()
		}
		log.Printf("level=error msg=\"DescribeWorkspaceImages failed\" code=%s message=%q region=%s", code, message, c.labels[1])
		ch <- prometheus.MustNewConstMetric(c.up, prometheus.GaugeValue, 0, c.labels...)
		return
	}
	ch <- prometheus.MustNewConstMetric(c.up, prometheus.GaugeValue, 1, c.labels...)
	c.emitImages(ch, images)
}

type combination struct{ state, tenancy, os string }

func (c *imagesCollector) emitImages(ch chan<- prometheus.Metric, images []*wsImage) {
	now := time.Now()
	counts := map[combination]int{}
	for _, s := range imageStates {
		for _, t := range tenancies {
			for _, o := range osTypes {
				counts[combination{s, t, o}] = 0
			}
		}
	}
	errorCounts := make(map[string]int, len(errorDetailCodes))
	for _, code := range errorDetailCodes {
		errorCounts[code] = 0
	}
	updates := 0
	seenIDs := make(map[string]bool, len(images))
	with := func(extra ...string) []string { return append([]string{c.labels[0], c.labels[1]}, extra...) }

	for _, img := range images {
		state, tenancy := value(img.State), value(img.RequiredTenancy)
		osType := unknown
		if img.OperatingSystem != nil {
			osType = value(img.OperatingSystem.Type)
		}
		counts[combination{state, tenancy, osType}]++

		codes := map[string]bool{}
		if img.ErrorCode != nil && *img.ErrorCode != "" {
			codes[*img.ErrorCode] = true
		}
		for _, d := range img.ErrorDetails {
			if d != nil && d.ErrorCode != nil && *d.ErrorCode != "" {
				codes[*d.ErrorCode] = true
			}
		}
		for code := range codes {
			errorCounts[code]++
		}
		updateAvailable := img.Updates != nil && aws.BoolValue(img.Updates.UpdateAvailable)
		if updateAvailable {
			updates++
		}

		// A second image with the same id would be a duplicate series, which
		// the registry refuses (the whole scrape would fail): keep the first.
		id := value(img.ImageId)
		if seenIDs[id] {
			continue
		}
		seenIDs[id] = true
		ch <- prometheus.MustNewConstMetric(c.info, prometheus.GaugeValue, 1,
			with(id, value(img.Name), state, tenancy, osType, value(img.OwnerAccountId))...)
		flag := 0.0
		if updateAvailable {
			flag = 1
		}
		ch <- prometheus.MustNewConstMetric(c.update, prometheus.GaugeValue, flag, with(id)...)
		if img.Created != nil {
			created := float64(img.Created.Unix()) + float64(img.Created.Nanosecond())/1e9
			age := now.Sub(*img.Created).Seconds()
			if age < 0 {
				age = 0
			}
			ch <- prometheus.MustNewConstMetric(c.created, prometheus.GaugeValue, created, with(id)...)
			ch <- prometheus.MustNewConstMetric(c.age, prometheus.GaugeValue, age, with(id)...)
		}
	}

	keys := make([]combination, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := keys[i], keys[j]
		if a.state != b.state {
			return a.state < b.state
		}
		if a.tenancy != b.tenancy {
			return a.tenancy < b.tenancy
		}
		return a.os < b.os
	})
	for _, k := range keys {
		ch <- prometheus.MustNewConstMetric(c.images, prometheus.GaugeValue, float64(counts[k]), with(k.state, k.tenancy, k.os)...)
	}
	for code, n := range errorCounts {
		ch <- prometheus.MustNewConstMetric(c.imageErrors, prometheus.GaugeValue, float64(n), with(code)...)
	}
	ch <- prometheus.MustNewConstMetric(c.updatesAvailable, prometheus.GaugeValue, float64(updates), c.labels...)
}

func main() {
	listen := flag.String("listen-address", "127.0.0.1:10028", "address to listen on")
	endpoint := flag.String("endpoint-url", "", "WorkSpaces endpoint URL (default: the region's AWS endpoint)")
	region := flag.String("region", os.Getenv("AWS_REGION"), "AWS region")
	account := flag.String("account-id", "123456789012", "value of the account_id label")
	timeout := flag.Duration("timeout", 30*time.Second, "time a collection may take")
	flag.Parse()
	if *region == "" {
		log.Fatal("level=error msg=\"no region: give --region or AWS_REGION\"")
	}

	config := aws.NewConfig().WithRegion(*region)
	if *endpoint != "" {
		config = config.WithEndpoint(*endpoint)
	}
	sess, err := session.NewSession(config)
	if err != nil {
		log.Fatalf("level=error msg=\"cannot create AWS session\" err=%q", err)
	}
	client := workspaces.New(sess)

	prometheus.MustRegister(newImagesCollector(client, *account, *region, *timeout))
	http.Handle("/metrics", promhttp.Handler())
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("<html><body><a href=\"/metrics\">Metrics</a></body></html>\n"))
	})
	log.Printf("level=info msg=\"listening\" address=%s", *listen)
	log.Fatal(http.ListenAndServe(*listen, nil))
}
