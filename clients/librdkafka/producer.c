/*
 * kuv-librdkafka-producer: librdkafka's producer beside the canary (issue 16). It
 * speaks the client producer protocol (docs/clients.md, "librdkafka producer"): one
 * message to every partition of TOPIC every INTERVALMS on a fixed schedule, each
 * message's outcome from librdkafka's delivery report, one line each on stdout.
 *
 *   cc -O2 -Wall -o kuv-librdkafka-producer producer.c -lrdkafka
 *   kuv-librdkafka-producer -b BOOTSTRAP -t TOPIC -p PRODUCER -r RUNID -i INTERVALMS
 *                           -s defaults|careful
 *   kuv-librdkafka-producer -V        (prints rd_kafka_version_str())
 *
 * Lines (times are wall-clock ms since the epoch):
 *   # settings {JSON}   # ready   # sent P SEQ SCHEDULEDAT SENTAT
 *   # acked P SEQ OFFSET ACKEDAT   # failed P SEQ FAILEDAT ERROR TEXT   # error TEXT
 *   # stopped SENT ACKED FAILED UNREPORTED
 * librdkafka's own logs go to stderr.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <librdkafka/rdkafka.h>

#define FLUSH_MS 30000
#define MAX_POLL_MS 20

static volatile sig_atomic_t stopping = 0;
/* After `# stopped`, nothing more may be printed (it is the last line). */
static int silenced = 0;
static int64_t sent = 0, acked = 0, failed = 0;

struct outstanding {
    int32_t partition;
    int64_t seq;
};

static void on_signal(int sig) {
    (void)sig;
    stopping = 1;
}

static int64_t wall_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t mono_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* One line on stdout in one write(2): never interleaved, never left in a buffer. */
static void emit(const char *fmt, ...) {
    char line[2048];
    va_list ap;
    if (silenced) return;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    if ((size_t)n > sizeof(line) - 2) n = (int)sizeof(line) - 2;
    /* Library texts may hold newlines: keep the line one line. */
    for (int i = 0; i < n; i++)
        if (line[i] == '\n' || line[i] == '\r') line[i] = ' ';
    line[n++] = '\n';
    size_t off = 0;
    while (off < (size_t)n) {
        ssize_t w = write(STDOUT_FILENO, line + off, (size_t)n - off);
        if (w < 0) {
            if (errno == EINTR) continue;
            return;
        }
        off += (size_t)w;
    }
}

static void usage(const char *why) {
    fprintf(stderr,
            "kuv-librdkafka-producer: %s\n"
            "usage: kuv-librdkafka-producer -b BOOTSTRAP -t TOPIC -p PRODUCER -r RUNID "
            "-i INTERVALMS -s defaults|careful\n"
            "       kuv-librdkafka-producer -V\n",
            why);
    exit(2);
}

/* The run id and producer id go into the payload's JSON strings as they are. */
static int json_safe(const char *s) {
    if (*s == '\0') return 0;
    for (; *s; s++)
        if (*s == '"' || *s == '\\' || (unsigned char)*s < 0x20) return 0;
    return 1;
}

static void dr_msg_cb(rd_kafka_t *rk, const rd_kafka_message_t *m, void *unused) {
    (void)rk;
    (void)unused;
    struct outstanding *o = m->_private;
    if (o == NULL) return;
    if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
        acked++;
        emit("# acked %" PRId32 " %" PRId64 " %" PRId64 " %" PRId64, o->partition, o->seq,
             (int64_t)m->offset, wall_ms());
    } else {
        failed++;
        emit("# failed %" PRId32 " %" PRId64 " %" PRId64 " %s", o->partition, o->seq, wall_ms(),
             rd_kafka_err2str(m->err));
    }
    free(o);
}

static void error_cb(rd_kafka_t *rk, int err, const char *reason, void *unused) {
    (void)unused;
    if (err == RD_KAFKA_RESP_ERR__FATAL) {
        char fatal[512];
        rd_kafka_resp_err_t orig = rd_kafka_fatal_error(rk, fatal, sizeof(fatal));
        emit("# error fatal %s: %s (the producer can send no more)", rd_kafka_err2name(orig),
             fatal);
        return;
    }
    emit("# error %s: %s", rd_kafka_err2name((rd_kafka_resp_err_t)err), reason);
}

static void set(rd_kafka_conf_t *conf, const char *name, const char *value) {
    char errstr[512];
    if (rd_kafka_conf_set(conf, name, value, errstr, sizeof(errstr)) != RD_KAFKA_CONF_OK) {
        fprintf(stderr, "kuv-librdkafka-producer: librdkafka refused %s=%s: %s\n", name, value,
                errstr);
        exit(2);
    }
}

/* The value of `name` in a conf dump (name, value, name, value, ...), or NULL. */
static const char *dumped(const char **dump, size_t n, const char *name) {
    for (size_t i = 0; i + 1 < n; i += 2)
        if (strcmp(dump[i], name) == 0) return dump[i + 1];
    return NULL;
}

static size_t json_pair(char *out, size_t cap, size_t at, const char *key, const char *value) {
    if (value == NULL) return at;
    int n = snprintf(out + at, at < cap ? cap - at : 0, "%s\"%s\":\"", at > 1 ? "," : "", key);
    if (n > 0) at += (size_t)n;
    for (const char *c = value; *c && at + 8 < cap; c++) {
        if (*c == '"' || *c == '\\') out[at++] = '\\';
        if ((unsigned char)*c < 0x20) continue;
        out[at++] = *c;
    }
    if (at + 2 < cap) out[at++] = '"';
    out[at] = '\0';
    return at;
}

/* `# settings`: the effective settings read back from the producer's own configuration. */
static void print_settings(rd_kafka_t *rk, int partitions) {
    /* rd_kafka_conf(rk) is the instance's configuration after rd_kafka_new finalized it
     * (enable.idempotence changes max.in.flight and acks there). */
    rd_kafka_conf_t *conf = (rd_kafka_conf_t *)rd_kafka_conf(rk);
    size_t ng = 0, nt = 0;
    const char **global = rd_kafka_conf_dump(conf, &ng);
    rd_kafka_topic_conf_t *tconf = rd_kafka_conf_get_default_topic_conf(conf);
    const char **topic = tconf != NULL ? rd_kafka_topic_conf_dump(tconf, &nt) : NULL;
    static const char *const global_keys[][2] = {
        {"enable.idempotence", "enable.idempotence"},
        {"max.in.flight.requests.per.connection", "max.in.flight.requests.per.connection"},
        {"retries", "message.send.max.retries"},
        {"retry.backoff.ms", "retry.backoff.ms"},
        {"linger.ms", "queue.buffering.max.ms"},
        {"batch.num.messages", "batch.num.messages"},
        {"topic.metadata.refresh.interval.ms", "topic.metadata.refresh.interval.ms"},
        {"broker.address.family", "broker.address.family"},
        {"client.id", "client.id"},
    };
    static const char *const topic_keys[][2] = {
        {"acks", "request.required.acks"},
        {"message.timeout.ms", "message.timeout.ms"},
        {"request.timeout.ms", "request.timeout.ms"},
        {"partitioner", "partitioner"},
    };
    char json[4096] = "{";
    size_t at = 1;
    for (size_t i = 0; i < sizeof(global_keys) / sizeof(global_keys[0]); i++)
        at = json_pair(json, sizeof(json), at, global_keys[i][0],
                       dumped(global, ng, global_keys[i][1]));
    for (size_t i = 0; i < sizeof(topic_keys) / sizeof(topic_keys[0]); i++)
        at = json_pair(json, sizeof(json), at, topic_keys[i][0],
                       topic != NULL ? dumped(topic, nt, topic_keys[i][1]) : NULL);
    char count[32];
    snprintf(count, sizeof(count), "%d", partitions);
    at = json_pair(json, sizeof(json), at, "partitions", count);
    at = json_pair(json, sizeof(json), at, "measurement",
                   "client.id=kuv-librdkafka; broker.address.family=v4 (the brokers listen on "
                   "IPv4 loopback, as for kcat); explicit partition per message; a delivery "
                   "report callback");
    if (at + 2 < sizeof(json)) {
        json[at++] = '}';
        json[at] = '\0';
    }
    emit("# settings %s", json);
    rd_kafka_conf_dump_free(global, ng);
    if (topic != NULL) rd_kafka_conf_dump_free(topic, nt);
}

/* The topic's partition count from metadata; retries (printing `# error`) until known. */
static int partitions_of(rd_kafka_t *rk, rd_kafka_topic_t *rkt, const char *topic) {
    int64_t last_error = 0;
    while (!stopping) {
        const struct rd_kafka_metadata *md = NULL;
        rd_kafka_resp_err_t err = rd_kafka_metadata(rk, 0, rkt, &md, 5000);
        int count = -1;
        const char *why = NULL;
        if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
            why = rd_kafka_err2str(err);
        } else if (md->topic_cnt != 1) {
            why = "the metadata response did not describe the topic";
        } else if (md->topics[0].err != RD_KAFKA_RESP_ERR_NO_ERROR) {
            why = rd_kafka_err2str(md->topics[0].err);
        } else if (md->topics[0].partition_cnt <= 0) {
            why = "the topic has no partitions yet";
        } else {
            count = md->topics[0].partition_cnt;
        }
        if (md != NULL) rd_kafka_metadata_destroy(md);
        if (count > 0) return count;
        if (mono_ms() - last_error >= 5000) {
            emit("# error metadata for topic %s: %s (retrying)", topic, why);
            last_error = mono_ms();
        }
        rd_kafka_poll(rk, 1000);
    }
    return 0;
}

/* Hands message `seq` of `partition` (tick due at `scheduled`) to librdkafka. */
static void send_one(rd_kafka_t *rk, const char *topic, const char *run_id,
                     const char *producer, int32_t partition, int64_t seq, int64_t scheduled) {
    for (;;) {
        char payload[512];
        int64_t sent_at = wall_ms();
        int n = snprintf(payload, sizeof(payload),
                         "{\"runId\":\"%s\",\"producer\":\"%s\",\"seq\":%" PRId64
                         ",\"sentAt\":%" PRId64 "}",
                         run_id, producer, seq, sent_at);
        struct outstanding *o = malloc(sizeof(*o));
        if (o == NULL) {
            fprintf(stderr, "kuv-librdkafka-producer: out of memory\n");
            exit(1);
        }
        o->partition = partition;
        o->seq = seq;
        rd_kafka_resp_err_t err = rd_kafka_producev(
            rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_PARTITION(partition),
            RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_VALUE(payload, (size_t)n),
            RD_KAFKA_V_OPAQUE(o), RD_KAFKA_V_END);
        if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
            /* Still the application's send: serve delivery reports, then try again. */
            free(o);
            rd_kafka_poll(rk, 10);
            if (stopping) return;
            continue;
        }
        sent++;
        emit("# sent %" PRId32 " %" PRId64 " %" PRId64 " %" PRId64, partition, seq, scheduled,
             sent_at);
        if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
            /* Refused on the spot (e.g. after a fatal idempotence error): that is its outcome. */
            failed++;
            emit("# failed %" PRId32 " %" PRId64 " %" PRId64 " %s", partition, seq, wall_ms(),
                 rd_kafka_err2str(err));
            free(o);
        }
        return;
    }
}

int main(int argc, char **argv) {
    const char *bootstrap = NULL, *topic = NULL, *producer = NULL, *run_id = NULL;
    const char *profile = NULL;
    long interval = 0;
    int opt;
    while ((opt = getopt(argc, argv, "b:t:p:r:i:s:V")) != -1) {
        switch (opt) {
            case 'b': bootstrap = optarg; break;
            case 't': topic = optarg; break;
            case 'p': producer = optarg; break;
            case 'r': run_id = optarg; break;
            case 's': profile = optarg; break;
            case 'i': {
                char *end = NULL;
                errno = 0;
                interval = strtol(optarg, &end, 10);
                if (errno != 0 || end == optarg || *end != '\0' || interval < 1 ||
                    interval > 3600000)
                    usage("-i INTERVALMS must be a whole number of milliseconds, 1 to 3600000");
                break;
            }
            case 'V': printf("librdkafka %s\n", rd_kafka_version_str()); return 0;
            default: usage("unknown option");
        }
    }
    if (optind != argc) usage("unexpected argument");
    if (bootstrap == NULL || *bootstrap == '\0') usage("-b BOOTSTRAP is missing");
    if (topic == NULL || *topic == '\0') usage("-t TOPIC is missing");
    if (producer == NULL || !json_safe(producer))
        usage("-p PRODUCER is missing or holds a quote, backslash or control character");
    if (run_id == NULL || !json_safe(run_id))
        usage("-r RUNID is missing or holds a quote, backslash or control character");
    if (interval == 0) usage("-i INTERVALMS is missing");
    if (profile == NULL || (strcmp(profile, "defaults") != 0 && strcmp(profile, "careful") != 0))
        usage("-s must be defaults or careful");

    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);

    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    set(conf, "bootstrap.servers", bootstrap);
    set(conf, "client.id", "kuv-librdkafka");
    set(conf, "broker.address.family", "v4");
    /* careful: librdkafka's idempotent producer (it implies acks=all, max.in.flight <= 5,
     * retries without limit); defaults sets nothing else. */
    if (strcmp(profile, "careful") == 0) set(conf, "enable.idempotence", "true");
    /* An explicit default topic configuration, empty (librdkafka's defaults), so that
     * the instance's topic settings (acks, message.timeout.ms ...) can be dumped back. */
    rd_kafka_conf_set_default_topic_conf(conf, rd_kafka_topic_conf_new());
    rd_kafka_conf_set_dr_msg_cb(conf, dr_msg_cb);
    rd_kafka_conf_set_error_cb(conf, error_cb);

    char errstr[512];
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
    if (rk == NULL) {
        fprintf(stderr, "kuv-librdkafka-producer: could not create the producer: %s\n", errstr);
        return 1;
    }
    rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, topic, NULL);
    if (rkt == NULL) {
        fprintf(stderr, "kuv-librdkafka-producer: topic %s: %s\n", topic,
                rd_kafka_err2str(rd_kafka_last_error()));
        rd_kafka_destroy(rk);
        return 1;
    }

    int partitions = partitions_of(rk, rkt, topic);
    int64_t *seqs = calloc(partitions > 0 ? (size_t)partitions : 1, sizeof(int64_t));
    if (seqs == NULL) return 1;
    if (!stopping) {
        print_settings(rk, partitions);
        emit("# ready");
        const int64_t t0_wall = wall_ms();
        const int64_t t0_mono = mono_ms();
        int64_t tick = 0;
        while (!stopping) {
            /* Every tick due by now, each with its own due time: none is skipped. */
            while (!stopping && t0_mono + tick * interval <= mono_ms()) {
                int64_t scheduled = t0_wall + tick * interval;
                for (int32_t p = 0; p < partitions && !stopping; p++) {
                    send_one(rk, topic, run_id, producer, p, seqs[p], scheduled);
                    if (!stopping) seqs[p]++;
                }
                tick++;
                rd_kafka_poll(rk, 0);
            }
            int64_t wait = t0_mono + tick * interval - mono_ms();
            rd_kafka_poll(rk, (int)(wait < 0 ? 0 : wait > MAX_POLL_MS ? MAX_POLL_MS : wait));
        }
        /* Delivery reports of what is still outstanding, for at most FLUSH_MS. */
        rd_kafka_flush(rk, FLUSH_MS);
    }
    emit("# stopped %" PRId64 " %" PRId64 " %" PRId64 " %" PRId64, sent, acked, failed,
         sent - acked - failed);
    silenced = 1;
    free(seqs);
    rd_kafka_topic_destroy(rkt);
    rd_kafka_destroy(rk);
    return 0;
}
