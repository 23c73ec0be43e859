// Command kuv-sarama is kafka-upgrade-verifier's Sarama (IBM/sarama) canary consumer
// (docs/clients.md): it joins a consumer group on the canary topic and prints one line
// per record, "partition<TAB>offset<TAB>value", plus "# rebalance …" and "# error …"
// event lines. Auto commit is off: offsets are marked and committed after each record
// is printed. On SIGTERM it commits and leaves the group.
//
//	kuv-sarama -bootstrap host:port[,…] -group G -topic T [-dns-server addr:port]
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"os/signal"
	"strings"
	"sync"
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

type handler struct{}

func (handler) Setup(s sarama.ConsumerGroupSession) error {
	printLine(fmt.Sprintf("# rebalance assigned=%v", s.Claims()))
	return nil
}
func (handler) Cleanup(s sarama.ConsumerGroupSession) error {
	s.Commit()
	return nil
}
func (handler) ConsumeClaim(s sarama.ConsumerGroupSession, c sarama.ConsumerGroupClaim) error {
	for {
		select {
		case m, ok := <-c.Messages():
			if !ok {
				return nil
			}
			value := strings.NewReplacer("\t", " ", "\n", " ").Replace(string(m.Value))
			printLine(fmt.Sprintf("%d\t%d\t%s", m.Partition, m.Offset, value))
			s.MarkMessage(m, "")
			s.Commit()
		case <-s.Context().Done():
			return nil
		}
	}
}

func main() {
	bootstrap := flag.String("bootstrap", "", "comma-separated host:port list")
	group := flag.String("group", "", "consumer group")
	topic := flag.String("topic", "", "topic")
	dnsServer := flag.String("dns-server", "", "host:port of the DNS server for broker names (default: the system resolver)")
	flag.Parse()
	if *bootstrap == "" || *group == "" || *topic == "" {
		fmt.Fprintln(os.Stderr, "usage: kuv-sarama -bootstrap host:port[,…] -group G -topic T [-dns-server addr:port]")
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

	config := sarama.NewConfig()
	config.Version = sarama.V3_9_0_0
	config.ClientID = "kuv-sarama"
	config.Consumer.Offsets.AutoCommit.Enable = false
	config.Consumer.Offsets.Initial = sarama.OffsetOldest
	config.Consumer.Return.Errors = true

	cg, err := sarama.NewConsumerGroup(strings.Split(*bootstrap, ","), *group, config)
	if err != nil {
		fmt.Fprintf(os.Stderr, "kuv-sarama: cannot start: %v\n", err)
		os.Exit(1)
	}
	ctx, cancel := context.WithCancel(context.Background())
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT)
	go func() {
		<-sigs
		cancel()
	}()
	go func() {
		for err := range cg.Errors() {
			printLine("# error " + strings.ReplaceAll(err.Error(), "\n", " "))
		}
	}()
	for ctx.Err() == nil {
		if err := cg.Consume(ctx, []string{*topic}, handler{}); err != nil {
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
