/*
 * Text helpers shared by kafka-upgrade-verifier's Java clients (CanaryConsumer,
 * CanaryProducer): one-line error text, JSON strings, and effective config values as the
 * `# settings` line writes them.
 */
import java.util.List;

final class ClientText {
  private ClientText() {}

  /** `text` on one line: tabs and line breaks become spaces (null becomes empty). */
  static String oneLine(String text) {
    return text == null ? "" : text.replace('\t', ' ').replace('\n', ' ').replace('\r', ' ');
  }

  /** `s` as a JSON string, quotes included. */
  static String json(String s) {
    StringBuilder b = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      if (c == '"' || c == '\\') b.append('\\').append(c);
      else if (c < 0x20) b.append(String.format("\\u%04x", (int) c));
      else b.append(c);
    }
    return b.append('"').toString();
  }

  /** Appends `"key":"value"` to a JSON object being built in `b` (opened with `{`). */
  static void field(StringBuilder b, String key, String value) {
    if (b.length() > 1) b.append(',');
    b.append(json(key)).append(':').append(json(value));
  }

  /** A config value as text: lists comma-separated, classes by their simple names. */
  static String valueText(Object v) {
    if (v instanceof List<?> list) {
      StringBuilder b = new StringBuilder();
      for (Object o : list) {
        if (b.length() > 0) b.append(',');
        b.append(o instanceof Class<?> c ? c.getSimpleName() : String.valueOf(o));
      }
      return b.toString();
    }
    if (v instanceof Class<?> c) return c.getSimpleName();
    return String.valueOf(v);
  }
}
