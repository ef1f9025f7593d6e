package io.lambdaflow.engines;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/**
 * Decides on untrusted SQL with DuckDB's own parser ({@code json_serialize_sql}), never by looking
 * at the text: the string must parse to exactly one statement, that statement must be a query (the
 * function serializes nothing else), and every relation it reads must be a served view, a common
 * table expression it defines, or a pure generator ({@code range}, {@code generate_series}, {@code
 * unnest}). Table functions that read files or the catalog ({@code glob}, {@code read_csv}, {@code
 * query}, {@code duckdb_tables}, ...) and qualified names ({@code system.main.x}) are refused.
 */
final class DuckDbQueryCheck {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Set<String> GENERATORS = Set.of("range", "generate_series", "unnest");

  /** Table reference kinds a query may contain; each other kind is refused. */
  private static final Set<String> PLAIN_REFERENCES =
      Set.of("JOIN", "SUBQUERY", "EMPTY", "EXPRESSION_LIST");

  /** Every kind of table reference DuckDB's serializer writes, to recognise them in the tree. */
  private static final Set<String> REFERENCES =
      Set.of(
          "BASE_TABLE",
          "TABLE_FUNCTION",
          "JOIN",
          "SUBQUERY",
          "EMPTY",
          "EXPRESSION_LIST",
          "CTE",
          "PIVOT",
          "SHOW_REF",
          "COLUMN_DATA",
          "DELIM_GET",
          "BOUND_TABLE_REF",
          "INVALID");

  private DuckDbQueryCheck() {}

  /**
   * @param parser a connection to parse on (nothing is executed)
   * @param relations the names a query may read (case-insensitive, as DuckDB's names are)
   * @throws IllegalArgumentException saying why the query is refused
   */
  static void check(Connection parser, String sql, Set<String> relations) throws SQLException {
    JsonNode tree;
    try (PreparedStatement statement =
        parser.prepareStatement("SELECT json_serialize_sql(CAST(? AS VARCHAR))")) {
      statement.setString(1, sql);
      try (ResultSet result = statement.executeQuery()) {
        result.next();
        tree = JSON.readTree(result.getString(1));
      }
    } catch (IOException e) {
      throw new IllegalArgumentException("the query is too complex to check; simplify it");
    }
    if (tree.path("error").asBoolean(true)) {
      String message = tree.path("error_message").asText("");
      if (message.startsWith("Only SELECT statements")) {
        throw new IllegalArgumentException(
            "only read-only queries are served (SELECT ..., WITH ... SELECT ...): this text holds"
                + " a statement that is not a query");
      }
      throw new IllegalArgumentException(
          message.strip().lines().findFirst().orElse("the query does not parse"));
    }
    JsonNode statements = tree.path("statements");
    if (statements.size() != 1) {
      throw new IllegalArgumentException(
          statements.isEmpty()
              ? "no query given: send one SELECT statement"
              : "send one query at a time: this text holds " + statements.size() + " statements");
    }
    Set<String> allowed = new HashSet<>();
    relations.forEach(r -> allowed.add(r.toLowerCase(Locale.ROOT)));
    refuseForeignRelations(statements.get(0), allowed, relations);
  }

  /** A node of the tree with the names in scope there: the views and the CTEs around it. */
  private record Scoped(JsonNode node, Set<String> names) {}

  private static void refuseForeignRelations(
      JsonNode root, Set<String> views, Set<String> relations) {
    Deque<Scoped> pending = new ArrayDeque<>();
    pending.push(new Scoped(root, views));
    while (!pending.isEmpty()) {
      Scoped scoped = pending.pop();
      JsonNode node = scoped.node();
      Set<String> names = scoped.names();
      JsonNode ctes = node.path("cte_map").path("map");
      if (!ctes.isEmpty()) {
        names = new HashSet<>(names);
        for (JsonNode cte : ctes) {
          names.add(cte.path("key").asText().toLowerCase(Locale.ROOT));
        }
      }
      if (node.isObject() && node.has("type") && REFERENCES.contains(node.get("type").asText())) {
        checkReference(node, names, relations);
      }
      for (JsonNode child : node) { // an object's values or an array's elements
        pending.push(new Scoped(child, names));
      }
    }
  }

  private static void checkReference(JsonNode node, Set<String> allowed, Set<String> relations) {
    String type = node.get("type").asText();
    switch (type) {
      case "BASE_TABLE" -> {
        String name = node.path("table_name").asText();
        boolean qualified =
            !node.path("schema_name").asText("").isEmpty()
                || !node.path("catalog_name").asText("").isEmpty();
        if (qualified || !allowed.contains(name.toLowerCase(Locale.ROOT))) {
          throw new IllegalArgumentException(
              "no view named '"
                  + (qualified ? qualifiedName(node) : name)
                  + "': queries read only the served views "
                  + new TreeSet<>(relations));
        }
      }
      case "TABLE_FUNCTION" -> {
        JsonNode function = node.path("function");
        String name = function.path("function_name").asText().toLowerCase(Locale.ROOT);
        if (!GENERATORS.contains(name)
            || !function.path("schema").asText("").isEmpty()
            || !function.path("catalog").asText("").isEmpty()) {
          throw new IllegalArgumentException(
              "table function '"
                  + name
                  + "' is not served: queries read only the served views "
                  + new TreeSet<>(relations)
                  + " (and range, generate_series, unnest)");
        }
      }
      default -> {
        if (!PLAIN_REFERENCES.contains(type)) {
          throw new IllegalArgumentException(
              "only plain queries over the served views are allowed; refused a " + type);
        }
      }
    }
  }

  private static String qualifiedName(JsonNode node) {
    StringBuilder name = new StringBuilder();
    for (String part : new String[] {"catalog_name", "schema_name"}) {
      String value = node.path(part).asText("");
      if (!value.isEmpty()) {
        name.append(value).append('.');
      }
    }
    return name.append(node.path("table_name").asText()).toString();
  }
}
