/*
 * kafka-upgrade-verifier's Apache Kafka Java producer (docs/clients.md, "The producer
 * protocol"): produces its own sequences to every partition of the canary topic, one
 * message per partition every INTERVALMS, and prints one line per event on stdout:
 *
 *   # settings {json}                     the effective producer settings, "partitions"
 *   # ready                               the producer exists and the partitions are known
 *   # sent P SEQ SCHEDULEDAT SENTAT       handed to send() (printed before send is called)
 *   # acked P SEQ OFFSET ACKEDAT          the delivery callback: success
 *   # failed P SEQ FAILEDAT ERROR TEXT    the delivery callback (or send itself): failure
 *   # error TEXT                          an error not tied to one message
 *   # stopped SENT ACKED FAILED UNREPORTED  the last line, after SIGTERM/SIGINT
 *
 * Ticks are on a fixed schedule: tick k is due at t0 + k*INTERVALMS (t0 = when ready);
 * a tick is never skipped: when the ticker falls behind, the missed ticks are sent at
 * once, each with its own due time (SCHEDULEDAT). Sends are asynchronous (send with a
 * callback), so the library's in-flight settings govern what is outstanding.
 *
 * PROFILE is one of:
 *   defaults  what an application that sets only bootstrap.servers runs: kafka-clients'
 *             shipped producer (3.x and 4.x: idempotent, acks=all, 5 in flight, retries
 *             MAX, delivery.timeout.ms 120 s; linger.ms 0 in 3.x, 5 in 4.x);
 *   careful   enable.idempotence=true and acks=all set explicitly.
 * Both add only what measuring needs: client.id=PRODUCER, String serializers, an
 * explicit partition on every record (named under "measurement" in the settings).
 *
 * On SIGTERM/SIGINT a shutdown hook stops the ticker, flushes for at most 30 s, prints
 * "# stopped", closes the producer and exits 0. Bad arguments: usage on stderr, exit 2.
 *
 *   java -cp 'KAFKA_LIBS/*:DIR' CanaryProducer BOOTSTRAP TOPIC PRODUCER RUNID INTERVALMS defaults|careful
 */
import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.lang.reflect.Field;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.serialization.StringSerializer;

public final class CanaryProducer {
  private static final PrintStream OUT =
      new PrintStream(new BufferedOutputStream(new FileOutputStream(FileDescriptor.out)), false, StandardCharsets.UTF_8);

  private static final String USAGE =
      "usage: CanaryProducer BOOTSTRAP TOPIC PRODUCER RUNID INTERVALMS defaults|careful";

  /** The settings written to the history: the effective values, defaults included. */
  private static final List<String> REPORTED = List.of(
      "enable.idempotence", "acks", "max.in.flight.requests.per.connection", "retries",
      "retry.backoff.ms", "delivery.timeout.ms", "request.timeout.ms", "linger.ms",
      "batch.size", "buffer.memory", "max.block.ms", "compression.type",
      "metadata.max.age.ms", "client.id", "partitioner.class", "partitioner.ignore.keys",
      "partitioner.adaptive.partitioning.enable", "transactional.id");

  private static final long FLUSH_BOUND_MS = 30_000;
  private static final long RETRY_MS = 1_000;

  // Guarded by OUT: every line is printed, and its count taken, under this lock, so the
  // counts of "# stopped" are exactly the lines printed; nothing is printed after it.
  private static long sent = 0;
  private static long acked = 0;
  private static long failed = 0;
  private static boolean stoppedPrinted = false;

  private static final CountDownLatch STOP = new CountDownLatch(1);
  private static final Object STATE = new Object();
  // Guarded by STATE.
  private static KafkaProducer<String, String> producer = null;
  private static Thread ticker = null;

  private enum Kind { SENT, ACKED, FAILED, OTHER }

  private static void line(Kind kind, String text) {
    synchronized (OUT) {
      if (stoppedPrinted) return;
      switch (kind) {
        case SENT -> sent++;
        case ACKED -> acked++;
        case FAILED -> failed++;
        default -> { }
      }
      OUT.print(text);
      OUT.print('\n');
      OUT.flush();
    }
  }

  private static void line(String text) {
    line(Kind.OTHER, text);
  }

  private static String errorText(Throwable e) {
    String message = e.getMessage();
    return e.getClass().getSimpleName()
        + (message == null ? "" : " " + ClientText.oneLine(message));
  }

  private static void usage(String problem) {
    System.err.println("CanaryProducer: " + problem);
    System.err.println(USAGE);
    System.exit(2);
  }

  /** The payload of the protocol, exactly: {"runId":…,"producer":…,"seq":…,"sentAt":…}. */
  static String payload(String runId, String producerId, long seq, long sentAt) {
    return "{\"runId\":" + ClientText.json(runId)
        + ",\"producer\":" + ClientText.json(producerId)
        + ",\"seq\":" + seq + ",\"sentAt\":" + sentAt + "}";
  }

  /**
   * Whether the constructed producer is idempotent in fact: it has a TransactionManager
   * (kafka-clients makes one only for idempotent or transactional producers). null when
   * this kafka-clients version keeps it elsewhere.
   */
  private static Boolean idempotentInFact(KafkaProducer<String, String> p) {
    try {
      Field f = KafkaProducer.class.getDeclaredField("transactionManager");
      f.setAccessible(true);
      return f.get(p) != null;
    } catch (ReflectiveOperationException | RuntimeException e) {
      return null;
    }
  }

  public static void main(String[] args) throws Exception {
    if (args.length != 6) usage("expected 6 arguments, got " + args.length);
    String bootstrap = args[0];
    String topic = args[1];
    String producerId = args[2];
    String runId = args[3];
    String profile = args[5];
    if (bootstrap.isBlank()) usage("BOOTSTRAP is empty");
    if (topic.isBlank()) usage("TOPIC is empty");
    if (producerId.isBlank()) usage("PRODUCER is empty");
    if (runId.isBlank()) usage("RUNID is empty");
    long intervalMs = 0;
    try {
      intervalMs = Long.parseLong(args[4]);
    } catch (NumberFormatException e) {
      usage("INTERVALMS must be a whole number of milliseconds, not '" + args[4] + "'");
    }
    if (intervalMs < 1 || intervalMs > 3_600_000) {
      usage("INTERVALMS must be from 1 to 3600000 milliseconds, not " + intervalMs);
    }
    if (!profile.equals("defaults") && !profile.equals("careful")) {
      usage("PROFILE must be defaults or careful, not '" + profile + "'");
    }
    boolean careful = profile.equals("careful");

    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ProducerConfig.CLIENT_ID_CONFIG, producerId);
    if (careful) {
      p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
      p.put(ProducerConfig.ACKS_CONFIG, "all");
    }
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    // What the producer will run with: ProducerConfig's values after its own
    // post-processing (e.g. idempotence turned off by conflicting settings).
    Map<String, ?> effective = new ProducerConfig(p).values();

    Runtime.getRuntime().addShutdownHook(new Thread(CanaryProducer::shutdown, "kuv-shutdown"));

    // Cannot connect at all: say so and keep trying; SIGTERM stops it.
    KafkaProducer<String, String> made = null;
    while (made == null && STOP.getCount() > 0) {
      try {
        made = new KafkaProducer<>(p);
      } catch (RuntimeException e) {
        line("# error cannot create the producer: " + errorText(e.getCause() == null ? e : e.getCause()));
        STOP.await(RETRY_MS, TimeUnit.MILLISECONDS);
      }
    }
    synchronized (STATE) {
      if (STOP.getCount() == 0) {
        if (made != null) made.close(Duration.ZERO);
        return;
      }
      producer = made;
    }
    int[] partitions = null;
    while (partitions == null && STOP.getCount() > 0) {
      try {
        List<PartitionInfo> infos = made.partitionsFor(topic);
        if (infos == null || infos.isEmpty()) {
          line("# error topic " + topic + " has no partitions in the cluster's metadata yet");
          STOP.await(RETRY_MS, TimeUnit.MILLISECONDS);
          continue;
        }
        partitions = infos.stream().mapToInt(PartitionInfo::partition).sorted().toArray();
      } catch (RuntimeException e) {
        line("# error cannot read the partitions of " + topic + ": " + errorText(e));
        STOP.await(RETRY_MS, TimeUnit.MILLISECONDS);
      }
    }
    if (partitions == null) return;

    StringBuilder settings = new StringBuilder("{");
    for (String key : REPORTED) {
      if (!effective.containsKey(key)) continue;
      ClientText.field(settings, key, ClientText.valueText(effective.get(key)));
    }
    ClientText.field(settings, "partitions", String.valueOf(partitions.length));
    ClientText.field(settings, "set by profile", careful
        ? "enable.idempotence=true, acks=all" : "nothing: the library's shipped defaults");
    ClientText.field(settings, "measurement", "client.id=" + producerId
        + ", String serializers, explicit partition (the partitioner is not consulted), async send with callback");
    line("# settings " + settings.append('}'));
    Boolean inFact = idempotentInFact(made);
    if (Boolean.TRUE.equals(effective.get(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG)) && Boolean.FALSE.equals(inFact)) {
      line("# error enable.idempotence reads true but the producer made no TransactionManager: it is NOT idempotent");
    }

    final int[] parts = partitions;
    final long interval = intervalMs;
    final KafkaProducer<String, String> target = made;
    synchronized (STATE) {
      if (STOP.getCount() == 0) return;
      line("# ready");
      ticker = new Thread(() -> tick(target, topic, producerId, runId, parts, interval), "kuv-ticker");
      ticker.start();
    }
  }

  /** The fixed schedule: tick k at t0 + k*interval, every tick sent, late ones at once. */
  private static void tick(KafkaProducer<String, String> target, String topic, String producerId,
      String runId, int[] parts, long interval) {
    long[] seqs = new long[parts.length];
    long t0 = System.currentTimeMillis();
    try {
      for (long k = 0; STOP.getCount() > 0; k++) {
        long due = t0 + k * interval;
        long wait = due - System.currentTimeMillis();
        if (wait > 0 && STOP.await(wait, TimeUnit.MILLISECONDS)) return;
        for (int i = 0; i < parts.length; i++) {
          if (STOP.getCount() == 0) return;
          send(target, topic, producerId, runId, parts[i], seqs[i]++, due);
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void send(KafkaProducer<String, String> target, String topic, String producerId,
      String runId, int partition, long seq, long scheduledAt) {
    long sentAt = System.currentTimeMillis();
    String value = payload(runId, producerId, seq, sentAt);
    AtomicBoolean reported = new AtomicBoolean(false);
    line(Kind.SENT, "# sent " + partition + " " + seq + " " + scheduledAt + " " + sentAt);
    try {
      target.send(new ProducerRecord<>(topic, partition, null, value),
          (RecordMetadata md, Exception e) -> report(partition, seq, md, e, reported));
    } catch (RuntimeException e) {
      // send threw instead of calling back (interrupted, closed producer): still one outcome.
      report(partition, seq, null, e, reported);
    }
  }

  private static void report(int partition, long seq, RecordMetadata md, Exception e, AtomicBoolean reported) {
    if (!reported.compareAndSet(false, true)) return;
    long at = System.currentTimeMillis();
    if (e == null) {
      line(Kind.ACKED, "# acked " + partition + " " + seq + " " + md.offset() + " " + at);
    } else {
      line(Kind.FAILED, "# failed " + partition + " " + seq + " " + at + " " + errorText(e));
    }
  }

  /** SIGTERM/SIGINT: stop ticking, flush (at most 30 s), "# stopped", close, exit 0. */
  private static void shutdown() {
    KafkaProducer<String, String> p;
    Thread t;
    synchronized (STATE) {
      STOP.countDown();
      p = producer;
      t = ticker;
    }
    try {
      if (t != null) {
        // A send blocked in the library (buffer full, metadata) is interrupted after 5 s.
        t.join(5_000);
        if (t.isAlive()) {
          t.interrupt();
          t.join(5_000);
        }
      }
      if (p != null) {
        Thread flusher = new Thread(() -> {
          try {
            p.flush();
          } catch (RuntimeException e) {
            line("# error flush at shutdown: " + errorText(e));
          }
        }, "kuv-flush");
        flusher.setDaemon(true);
        flusher.start();
        flusher.join(FLUSH_BOUND_MS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    long unreportedAtStop;
    synchronized (OUT) {
      unreportedAtStop = sent - acked - failed;
      OUT.print("# stopped " + sent + " " + acked + " " + failed + " " + unreportedAtStop + "\n");
      OUT.flush();
      stoppedPrinted = true;
    }
    if (p != null) {
      try {
        // Whatever is still unreported after the flush bound is abandoned, not waited for.
        p.close(unreportedAtStop == 0 ? Duration.ofSeconds(5) : Duration.ZERO);
      } catch (RuntimeException e) {
        System.err.println("CanaryProducer: close: " + errorText(e));
      }
    }
    System.err.flush();
    // The JVM's exit status after SIGTERM would be 143: the protocol asks for 0.
    Runtime.getRuntime().halt(0);
  }
}
