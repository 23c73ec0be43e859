/*
 * kafka-upgrade-verifier's Apache Kafka Java consumer (docs/clients.md): joins a
 * consumer group on the canary topic and prints one line per record,
 * "partition<TAB>offset<TAB>value", plus "# settings {json}", "# rebalance ...",
 * "# ready" and "# error ..." event lines.
 *
 * PROFILE (--client-settings) is one of:
 *   defaults  what an application that sets only bootstrap and group runs: the library's
 *             own enable.auto.commit=true (every auto.commit.interval.ms, 5 s, inside
 *             poll), auto.offset.reset=latest, no commit by the application; on SIGTERM
 *             close(), which commits once more as the library does;
 *   careful   auto commit off, auto.offset.reset=earliest, commitSync after each poll's
 *             records are printed and in onPartitionsRevoked; on SIGTERM commitSync and close.
 * In both, each assigned partition's position is looked up in onPartitionsAssigned (the
 * same lookup the next poll would make), so "# ready" means positioned: the run starts
 * producing only then.
 *
 *   java -cp 'KAFKA_LIBS/*:DIR' CanaryConsumer BOOTSTRAP GROUP TOPIC [defaults|careful]
 */
import java.io.PrintStream;
import java.io.FileOutputStream;
import java.io.FileDescriptor;
import java.io.BufferedOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.StringDeserializer;

public final class CanaryConsumer {
  private static final PrintStream OUT =
      new PrintStream(new BufferedOutputStream(new FileOutputStream(FileDescriptor.out)), false, StandardCharsets.UTF_8);

  /** The settings written to the history: the effective values, defaults included. */
  private static final List<String> REPORTED = List.of(
      "enable.auto.commit", "auto.commit.interval.ms", "auto.offset.reset",
      "partition.assignment.strategy", "group.protocol", "session.timeout.ms",
      "heartbeat.interval.ms", "max.poll.interval.ms", "max.poll.records",
      "metadata.max.age.ms", "isolation.level", "client.id");

  private static void line(String text) {
    synchronized (OUT) {
      OUT.print(text);
      OUT.print('\n');
      OUT.flush();
    }
  }

  public static void main(String[] args) throws Exception {
    if (args.length < 3 || args.length > 4) {
      System.err.println("usage: CanaryConsumer BOOTSTRAP GROUP TOPIC [defaults|careful]");
      System.exit(2);
    }
    String profile = args.length == 4 ? args[3] : "careful";
    if (!profile.equals("defaults") && !profile.equals("careful")) {
      System.err.println("CanaryConsumer: settings profile must be defaults or careful, not " + profile);
      System.exit(2);
    }
    boolean careful = profile.equals("careful");
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, args[0]);
    p.put(ConsumerConfig.GROUP_ID_CONFIG, args[1]);
    p.put(ConsumerConfig.CLIENT_ID_CONFIG, "kuv-java");
    if (careful) {
      p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
      p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    }
    p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    Map<String, ?> effective = new ConsumerConfig(p).values();
    StringBuilder settings = new StringBuilder("{");
    for (String key : REPORTED) {
      if (!effective.containsKey(key)) continue;
      ClientText.field(settings, key, ClientText.valueText(effective.get(key)));
    }
    ClientText.field(settings, "application commit", careful
        ? "commitSync after each poll's records, in onPartitionsRevoked and before close"
        : "none (the library auto-commits inside poll and in close)");
    line("# settings " + settings.append('}'));

    KafkaConsumer<String, String> consumer = new KafkaConsumer<>(p);
    CountDownLatch done = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      consumer.wakeup();
      try {
        done.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }));
    boolean[] ready = {false};
    try {
      consumer.subscribe(List.of(args[2]), new ConsumerRebalanceListener() {
        @Override public void onPartitionsRevoked(Collection<TopicPartition> parts) {
          if (!careful) return;
          try {
            consumer.commitSync();
          } catch (RuntimeException e) {
            line("# error commit on revoke: " + ClientText.oneLine(e.toString()));
          }
        }
        @Override public void onPartitionsAssigned(Collection<TopicPartition> parts) {
          for (TopicPartition tp : parts) consumer.position(tp);
          line("# rebalance assigned=" + parts.size());
          if (!ready[0] && !parts.isEmpty()) {
            ready[0] = true;
            line("# ready");
          }
        }
      });
      while (true) {
        ConsumerRecords<String, String> records = consumer.poll(Duration.ofMillis(500));
        for (ConsumerRecord<String, String> r : records) {
          line(r.partition() + "\t" + r.offset() + "\t" + ClientText.oneLine(r.value()));
        }
        if (careful && !records.isEmpty()) {
          try {
            consumer.commitSync();
          } catch (WakeupException e) {
            throw e;
          } catch (RuntimeException e) {
            line("# error commit: " + ClientText.oneLine(e.toString()));
          }
        }
      }
    } catch (WakeupException e) {
      // SIGTERM: leave the group (careful: commit what was printed first).
    } catch (RuntimeException e) {
      line("# error " + ClientText.oneLine(e.toString()));
    } finally {
      if (careful) {
        try {
          consumer.commitSync();
        } catch (RuntimeException e) {
          line("# error final commit: " + ClientText.oneLine(e.toString()));
        }
      }
      consumer.close();
      done.countDown();
    }
  }
}
