// The Sarama producer of kuv-sarama (-role produce; docs/clients.md, "The producer
// protocol"): it sends one message of its own sequences (producer "kuv-sarama" unless
// -producer says otherwise) to every partition of the topic every -interval-ms, on a
// fixed schedule that never skips a tick, through Sarama's AsyncProducer, and prints
// "# sent", "# acked" and "# failed" lines for each message. On SIGTERM it stops
// sending, waits at most 30 s for the outcomes (AsyncClose), prints "# stopped".
//
// -settings defaults: sarama.NewConfig() as shipped (Idempotent false, RequiredAcks
// WaitForLocal, Net.MaxOpenRequests 5, Retry.Max 3: "ordering is not guaranteed"),
// with what measuring needs: Producer.Return.Successes (to see each ack) and the manual
// partitioner (each message goes to the partition it is meant for).
// -settings careful: Idempotent, RequiredAcks WaitForAll, Net.MaxOpenRequests 1,
// Version 3.9.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/IBM/sarama"
)

const stopWait = 30 * time.Second

type sendKey struct {
	partition int32
	seq       int64
}

func nowMs() int64 { return time.Now().UnixMilli() }

func oneLine(s string) string { return strings.NewReplacer("\n", " ", "\r", " ").Replace(s) }

func runProducer(bootstrap, topic, producerID, runID string, intervalMs int, careful bool) {
	config := sarama.NewConfig()
	config.ClientID = "kuv-sarama"
	config.Producer.Return.Successes = true
	config.Producer.Return.Errors = true
	config.Producer.Partitioner = sarama.NewManualPartitioner
	if careful {
		config.Version = sarama.V3_9_0_0
		config.Producer.Idempotent = true
		config.Producer.RequiredAcks = sarama.WaitForAll
		config.Net.MaxOpenRequests = 1
	}

	ctx := stoppedBySignal()

	// Connect and learn the partitions, trying again until stopped.
	var client sarama.Client
	var partitions []int32
	for {
		var err error
		client, err = sarama.NewClient(strings.Split(bootstrap, ","), config)
		if err == nil {
			partitions, err = client.Partitions(topic)
			if err == nil && len(partitions) == 0 {
				err = fmt.Errorf("topic %s has no partitions", topic)
			}
			if err != nil {
				client.Close()
			}
		}
		if err == nil {
			break
		}
		printLine("# error " + oneLine(err.Error()))
		select {
		case <-ctx.Done():
			printLine("# stopped 0 0 0 0")
			return
		case <-time.After(time.Second):
		}
	}
	printLine("# settings " + producerSettingsJSON(config, careful, len(partitions)))
	producer, err := sarama.NewAsyncProducerFromClient(client)
	if err != nil {
		printLine("# error " + oneLine(err.Error()))
		printLine("# stopped 0 0 0 0")
		client.Close()
		os.Exit(1)
	}
	printLine("# ready")

	var mu sync.Mutex
	sent, acked, failed := 0, 0, 0
	outstanding := map[sendKey]bool{}
	var outcomes sync.WaitGroup
	outcomes.Add(2)
	go func() {
		defer outcomes.Done()
		for m := range producer.Successes() {
			k := m.Metadata.(sendKey)
			mu.Lock()
			acked++
			delete(outstanding, k)
			mu.Unlock()
			printLine(fmt.Sprintf("# acked %d %d %d %d", k.partition, k.seq, m.Offset, nowMs()))
		}
	}()
	go func() {
		defer outcomes.Done()
		for e := range producer.Errors() {
			k := e.Msg.Metadata.(sendKey)
			mu.Lock()
			failed++
			delete(outstanding, k)
			mu.Unlock()
			printLine(fmt.Sprintf("# failed %d %d %d %s", k.partition, k.seq, nowMs(), oneLine(e.Err.Error())))
		}
	}()

	seqs := make([]int64, len(partitions))
	interval := time.Duration(intervalMs) * time.Millisecond
	next := time.Now()
	// The fixed schedule: tick k is due at start + k·interval; a late process sends the
	// ticks it missed at once, each with its own due time.
ticking:
	for {
		for !next.After(time.Now()) {
			if ctx.Err() != nil {
				break ticking
			}
			scheduledAt := next.UnixMilli()
			for i, p := range partitions {
				seq := seqs[i]
				seqs[i]++
				sentAt := nowMs()
				value := fmt.Sprintf(`{"runId":%s,"producer":%s,"seq":%d,"sentAt":%d}`, jsonString(runID), jsonString(producerID), seq, sentAt)
				k := sendKey{p, seq}
				mu.Lock()
				sent++
				outstanding[k] = true
				mu.Unlock()
				printLine(fmt.Sprintf("# sent %d %d %d %d", p, seq, scheduledAt, sentAt))
				msg := &sarama.ProducerMessage{Topic: topic, Partition: p, Value: sarama.StringEncoder(value), Metadata: k}
				select {
				case producer.Input() <- msg:
				case <-ctx.Done():
					// Stopped while the library's input was full: the send never left.
					mu.Lock()
					delete(outstanding, k)
					failed++
					mu.Unlock()
					printLine(fmt.Sprintf("# failed %d %d %d %s", p, seq, nowMs(), "stopped before the library took the message"))
					break ticking
				}
			}
			next = next.Add(interval)
		}
		select {
		case <-ctx.Done():
			break ticking
		case <-time.After(time.Until(next)):
		}
	}

	producer.AsyncClose()
	done := make(chan struct{})
	go func() {
		outcomes.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(stopWait):
	}
	mu.Lock()
	printLine(fmt.Sprintf("# stopped %d %d %d %d", sent, acked, failed, len(outstanding)))
	mu.Unlock()
	client.Close()
}

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// producerSettingsJSON gives the effective settings that decide loss, duplicates and
// reordering, defaults included, for the history's client record.
func producerSettingsJSON(c *sarama.Config, careful bool, partitions int) string {
	settings := map[string]string{
		"Version":                   c.Version.String(),
		"Producer.Idempotent":       fmt.Sprintf("%t", c.Producer.Idempotent),
		"Producer.RequiredAcks":     requiredAcks(c.Producer.RequiredAcks),
		"Net.MaxOpenRequests":       fmt.Sprintf("%d", c.Net.MaxOpenRequests),
		"Producer.Retry.Max":        fmt.Sprintf("%d", c.Producer.Retry.Max),
		"Producer.Retry.Backoff":    c.Producer.Retry.Backoff.String(),
		"Producer.Timeout":          c.Producer.Timeout.String(),
		"Producer.Flush.Frequency":  c.Producer.Flush.Frequency.String(),
		"Producer.Flush.Messages":   fmt.Sprintf("%d", c.Producer.Flush.Messages),
		"Producer.Compression":      c.Producer.Compression.String(),
		"Metadata.RefreshFrequency": c.Metadata.RefreshFrequency.String(),
		"Metadata.Retry.Max":        fmt.Sprintf("%d", c.Metadata.Retry.Max),
		"ClientID":                  c.ClientID,
		"partitions":                fmt.Sprintf("%d", partitions),
		"measurement":               "Producer.Return.Successes=true (to see each ack), the manual partitioner (each message to its own partition), ClientID kuv-sarama",
	}
	if !careful {
		settings["profile"] = "sarama.NewConfig() as shipped"
	}
	b, _ := json.Marshal(settings)
	return string(b)
}

func requiredAcks(a sarama.RequiredAcks) string {
	switch a {
	case sarama.NoResponse:
		return "NoResponse (0)"
	case sarama.WaitForLocal:
		return "WaitForLocal (1)"
	case sarama.WaitForAll:
		return "WaitForAll (-1)"
	}
	return fmt.Sprintf("%d", a)
}
