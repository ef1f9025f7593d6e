package io.lambdaflow.serving;

import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The first gate for SQL sent to the serving layer: one statement that starts as a query does. Each
 * engine checks again with its own parser ({@link Engine#query} refuses anything that is not a
 * query), and DuckDB runs queries in a transaction that is rolled back.
 */
final class ReadOnlyQuery {
  private static final Set<String> QUERY_STARTS =
      Set.of("SELECT", "WITH", "VALUES", "TABLE", "FROM");
  private static final Pattern COMMENTS = Pattern.compile("(?s)--[^\n]*|/\\*.*?\\*/");
  private static final Pattern FIRST_WORD = Pattern.compile("^[\\s(]*([A-Za-z]+)");

  /**
   * Words that make a statement write, whatever it starts with ({@code WITH x AS (...) INSERT}).
   */
  private static final Pattern WRITES =
      Pattern.compile(
          "(?i)\\b(INSERT|UPDATE|DELETE|MERGE|UPSERT|CREATE|DROP|ALTER|TRUNCATE|ATTACH|DETACH|COPY"
              + "|INSTALL|PRAGMA|EXPORT|IMPORT|VACUUM|CHECKPOINT|GRANT|REVOKE)\\b");

  private ReadOnlyQuery() {}

  /**
   * Returns the query without trailing semicolons.
   *
   * @throws IllegalArgumentException saying why it is refused
   */
  static String check(String sql) {
    if (sql == null || sql.isBlank()) {
      throw new IllegalArgumentException("no query given: send one SELECT statement");
    }
    String text = sql.strip();
    while (text.endsWith(";")) {
      text = text.substring(0, text.length() - 1).strip();
    }
    String code = COMMENTS.matcher(text).replaceAll(" ");
    Matcher first = FIRST_WORD.matcher(code);
    String word = first.find() ? first.group(1).toUpperCase(Locale.ROOT) : "";
    if (!QUERY_STARTS.contains(word)) {
      throw new IllegalArgumentException(
          "only read-only queries are served (SELECT ..., WITH ... SELECT ...); refused a statement"
              + " starting with '"
              + (word.isEmpty() ? code.strip().split("\\s+")[0] : word)
              + "'");
    }
    String bare = withoutStrings(code);
    if (bare.contains(";")) {
      throw new IllegalArgumentException(
          "send one query at a time: this text holds several statements separated by ';'");
    }
    Matcher write = WRITES.matcher(bare);
    if (write.find()) {
      throw new IllegalArgumentException(
          "only read-only queries are served; refused a query containing '"
              + write.group(1).toUpperCase(Locale.ROOT)
              + "'");
    }
    return text;
  }

  private static String withoutStrings(String code) {
    return code.replaceAll("'(?:[^']|'')*'", "''").replaceAll("\"(?:[^\"]|\"\")*\"", "\"\"");
  }
}
