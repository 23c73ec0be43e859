/*
 * kafka-upgrade-verifier's Apache Kafka Java consumer (docs/clients.md): joins a
 * consumer group on the canary topic and prints one line per record,
 * "partition<TAB>offset<TAB>value", plus "# rebalance ..." and "# error ..." event lines.
 * Auto commit is off: each poll's records are printed, then committed (commitSync).
 * On SIGTERM it commits and leaves the group.
 *
 *   java -cp 'KAFKA_LIBS/*:DIR' CanaryConsumer BOOTSTRAP GROUP TOPIC
 */
import java.io.PrintStream;
import java.io.FileOutputStream;
import java.io.FileDescriptor;
import java.io.BufferedOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
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

  private static void line(String text) {
    synchronized (OUT) {
      OUT.print(text);
      OUT.print('\n');
      OUT.flush();
    }
  }

  private static String oneLine(String text) {
    return text == null ? "" : text.replace('\t', ' ').replace('\n', ' ').replace('\r', ' ');
  }

  public static void main(String[] args) throws Exception {
    if (args.length != 3) {
      System.err.println("usage: CanaryConsumer BOOTSTRAP GROUP TOPIC");
      System.exit(2);
    }
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, args[0]);
    p.put(ConsumerConfig.GROUP_ID_CONFIG, args[1]);
    p.put(ConsumerConfig.CLIENT_ID_CONFIG, "kuv-java");
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    KafkaConsumer<String, String> consumer = new KafkaConsumer<>(p);
    CountDownLatch done = new CountDownLatch(1);
    Thread main = Thread.currentThread();
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      consumer.wakeup();
      try {
        done.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }));
    try {
      consumer.subscribe(List.of(args[2]), new ConsumerRebalanceListener() {
        @Override public void onPartitionsRevoked(Collection<TopicPartition> parts) {
          try {
            consumer.commitSync();
          } catch (RuntimeException e) {
            line("# error commit on revoke: " + oneLine(e.toString()));
          }
        }
        @Override public void onPartitionsAssigned(Collection<TopicPartition> parts) {
          line("# rebalance assigned=" + parts.size());
        }
      });
      while (true) {
        ConsumerRecords<String, String> records = consumer.poll(Duration.ofMillis(500));
        for (ConsumerRecord<String, String> r : records) {
          line(r.partition() + "\t" + r.offset() + "\t" + oneLine(r.value()));
        }
        if (!records.isEmpty()) {
          try {
            consumer.commitSync();
          } catch (WakeupException e) {
            throw e;
          } catch (RuntimeException e) {
            line("# error commit: " + oneLine(e.toString()));
          }
        }
      }
    } catch (WakeupException e) {
      // SIGTERM: commit what was printed, leave the group.
    } catch (RuntimeException e) {
      line("# error " + oneLine(e.toString()));
    } finally {
      try {
        consumer.commitSync();
      } catch (RuntimeException e) {
        line("# error final commit: " + oneLine(e.toString()));
      }
      consumer.close();
      done.countDown();
    }
  }
}
