// Command kuv-sarama is kafka-upgrade-verifier's Sarama (IBM/sarama) canary consumer
// (docs/clients.md): it joins a consumer group on the canary topic and prints one line
// per record, "partition<TAB>offset<TAB>value", plus "# rebalance …" and "# error …"
// event lines, "# settings {json}" first and "# ready" once it is positioned on every
// partition of its first assignment (the run starts producing only then).
//
// -settings defaults: what an application that sets only the brokers and the group
// runs: sarama.NewConfig() as shipped (Version, Consumer.Offsets.AutoCommit every 1 s,
// Offsets.Initial OffsetNewest, Metadata.RefreshFrequency 10 min), each record marked
// after it is printed (MarkMessage, as sarama's examples do) and committed only by the
// auto-commit loop and Close (IBM/sarama#1543, #1965: marked offsets not flushed before
// a rebalance come again).
// -settings careful: auto commit off, OffsetOldest, Version 3.9, each record marked after
// it is printed and committed (Commit) as soon as the records already fetched for its
// partition are printed (at a low rate, after each record; under load, once per fetched
// batch, as the Java consumer's commitSync after each poll), and in Cleanup. A Commit
// after every record held it to about 100-200 records a second on a loaded machine,
// behind four producers. On SIGTERM it closes the group (careful: after a last commit).
//
//	kuv-sarama -bootstrap host:port[,…] -group G -topic T [-settings defaults|careful] [-dns-server addr:port]
//	kuv-sarama -role produce -bootstrap host:port[,…] -topic T -run-id R -interval-ms N [-producer kuv-sarama] [-settings …] [-dns-server …]
//
// With -role produce it is the Sarama producer instead (producer.go).
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"os/signal"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/IBM/sarama"
)

var out = bufio.NewWriter(os.Stdout)
var outMu sync.Mutex

func printLine(line string) {
	outMu.Lock()
	defer outMu.Unlock()
	out.WriteString(line)
	out.WriteByte('\n')
	out.Flush()
}

type handler struct {
	careful bool
	// Claims of the first assignment not yet positioned; "# ready" when it reaches 0.
	unpositioned atomic.Int64
	ready        atomic.Bool
}

func (h *handler) Setup(s sarama.ConsumerGroupSession) error {
	printLine(fmt.Sprintf("# rebalance assigned=%v", s.Claims()))
	if !h.ready.Load() {
		n := 0
		for _, parts := range s.Claims() {
			n += len(parts)
		}
		h.unpositioned.Store(int64(n))
	}
	return nil
}
func (h *handler) Cleanup(s sarama.ConsumerGroupSession) error {
	if h.careful {
		s.Commit()
	}
	return nil
}
func (h *handler) ConsumeClaim(s sarama.ConsumerGroupSession, c sarama.ConsumerGroupClaim) error {
	// The claim exists once its partition consumer resolved the starting offset.
	if !h.ready.Load() && h.unpositioned.Add(-1) == 0 && h.ready.CompareAndSwap(false, true) {
		printLine("# ready")
	}
	for {
		select {
		case m, ok := <-c.Messages():
			if !ok {
				return nil
			}
			value := strings.NewReplacer("\t", " ", "\n", " ").Replace(string(m.Value))
			printLine(fmt.Sprintf("%d\t%d\t%s", m.Partition, m.Offset, value))
			s.MarkMessage(m, "")
			if h.careful && len(c.Messages()) == 0 {
				s.Commit()
			}
		case <-s.Context().Done():
			return nil
		}
	}
}

func main() {
	bootstrap := flag.String("bootstrap", "", "comma-separated host:port list")
	group := flag.String("group", "", "consumer group")
	topic := flag.String("topic", "", "topic")
	profile := flag.String("settings", "careful", "defaults (sarama.NewConfig() as shipped) or careful (commit once the fetched records are printed)")
	dnsServer := flag.String("dns-server", "", "host:port of the DNS server for broker names (default: the system resolver)")
	role := flag.String("role", "consume", "consume (a consumer group) or produce (a producer of its own sequences)")
	producerID := flag.String("producer", "kuv-sarama", "produce: the payload's producer name")
	runID := flag.String("run-id", "", "produce: the payload's runId")
	intervalMs := flag.Int("interval-ms", 0, "produce: one message to every partition every N ms")
	flag.Parse()
	if *profile != "defaults" && *profile != "careful" {
		fmt.Fprintf(os.Stderr, "kuv-sarama: -settings must be defaults or careful, not %q\n", *profile)
		os.Exit(2)
	}
	careful := *profile == "careful"
	switch *role {
	case "consume":
		if *bootstrap == "" || *group == "" || *topic == "" {
			fmt.Fprintln(os.Stderr, "usage: kuv-sarama -bootstrap host:port[,…] -group G -topic T [-settings defaults|careful] [-dns-server addr:port]")
			os.Exit(2)
		}
	case "produce":
		if *bootstrap == "" || *topic == "" || *runID == "" || *producerID == "" || *intervalMs <= 0 {
			fmt.Fprintln(os.Stderr, "usage: kuv-sarama -role produce -bootstrap host:port[,…] -topic T -run-id R -interval-ms N (N > 0) [-producer NAME] [-settings defaults|careful] [-dns-server addr:port]")
			os.Exit(2)
		}
	default:
		fmt.Fprintf(os.Stderr, "kuv-sarama: -role must be consume or produce, not %q\n", *role)
		os.Exit(2)
	}
	if *dnsServer != "" {
		server := *dnsServer
		net.DefaultResolver = &net.Resolver{
			PreferGo: true,
			Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
				d := net.Dialer{Timeout: time.Second}
				return d.DialContext(ctx, network, server)
			},
		}
	}

	if *role == "produce" {
		runProducer(*bootstrap, *topic, *producerID, *runID, *intervalMs, careful)
		return
	}

	config := sarama.NewConfig()
	config.ClientID = "kuv-sarama"
	// Errors come back on cg.Errors() as "# error" lines instead of sarama's (silent)
	// logger; delivery is the same either way.
	config.Consumer.Return.Errors = true
	if careful {
		config.Version = sarama.V3_9_0_0
		config.Consumer.Offsets.AutoCommit.Enable = false
		config.Consumer.Offsets.Initial = sarama.OffsetOldest
	}
	printLine("# settings " + settingsJSON(config, careful))

	cg, err := sarama.NewConsumerGroup(strings.Split(*bootstrap, ","), *group, config)
	if err != nil {
		fmt.Fprintf(os.Stderr, "kuv-sarama: cannot start: %v\n", err)
		os.Exit(1)
	}
	ctx := stoppedBySignal()
	go func() {
		for err := range cg.Errors() {
			printLine("# error " + strings.ReplaceAll(err.Error(), "\n", " "))
		}
	}()
	h := &handler{careful: careful}
	for ctx.Err() == nil {
		if err := cg.Consume(ctx, []string{*topic}, h); err != nil {
			if errors.Is(err, sarama.ErrClosedConsumerGroup) {
				break
			}
			printLine("# error " + strings.ReplaceAll(err.Error(), "\n", " "))
			time.Sleep(500 * time.Millisecond)
		}
	}
	if err := cg.Close(); err != nil {
		fmt.Fprintf(os.Stderr, "kuv-sarama: close: %v\n", err)
	}
}

// stoppedBySignal is a context cancelled on SIGTERM or SIGINT: how the verifier stops a client.
func stoppedBySignal() context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT)
	go func() {
		<-sigs
		cancel()
	}()
	return ctx
}

// settingsJSON gives the effective settings that decide redelivery, skips and how soon
// a moved broker is seen, defaults included, for the history's client record.
func settingsJSON(c *sarama.Config, careful bool) string {
	initial := fmt.Sprintf("%d", c.Consumer.Offsets.Initial)
	switch c.Consumer.Offsets.Initial {
	case sarama.OffsetNewest:
		initial = "OffsetNewest"
	case sarama.OffsetOldest:
		initial = "OffsetOldest"
	}
	strategies := []string{}
	for _, s := range c.Consumer.Group.Rebalance.GroupStrategies {
		strategies = append(strategies, s.Name())
	}
	commit := "MarkMessage after each record; commits by the auto-commit loop and Close only"
	if careful {
		commit = "MarkMessage after each record; Commit once the records already fetched are printed, and in Cleanup"
	}
	settings := map[string]string{
		"Version":                                  c.Version.String(),
		"Consumer.Offsets.AutoCommit.Enable":       fmt.Sprintf("%t", c.Consumer.Offsets.AutoCommit.Enable),
		"Consumer.Offsets.AutoCommit.Interval":     c.Consumer.Offsets.AutoCommit.Interval.String(),
		"Consumer.Offsets.Initial":                 initial,
		"Consumer.Group.Rebalance.GroupStrategies": strings.Join(strategies, ","),
		"Consumer.Group.Session.Timeout":           c.Consumer.Group.Session.Timeout.String(),
		"Consumer.Group.Heartbeat.Interval":        c.Consumer.Group.Heartbeat.Interval.String(),
		"Consumer.Return.Errors":                   fmt.Sprintf("%t", c.Consumer.Return.Errors),
		"Metadata.RefreshFrequency":                c.Metadata.RefreshFrequency.String(),
		"ClientID":                                 c.ClientID,
		"application commit":                       commit,
	}
	b, _ := json.Marshal(settings)
	return string(b)
}
