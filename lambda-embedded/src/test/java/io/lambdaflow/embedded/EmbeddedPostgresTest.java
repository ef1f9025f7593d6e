package io.lambdaflow.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class EmbeddedPostgresTest {
  @Test
  void answersSqlOverJdbcThenLeavesNoProcessAndNoFolder() throws Exception {
    Path home;
    long pid;
    try (EmbeddedPostgres postgres = EmbeddedPostgres.start()) {
      postgres.createDatabase("lambda");
      try (Connection connection = DriverManager.getConnection(postgres.jdbcUrl("lambda"));
          Statement statement = connection.createStatement()) {
        statement.execute("CREATE TABLE t (n int)");
        statement.execute("INSERT INTO t SELECT generate_series(1, 10)");
        try (ResultSet rows = statement.executeQuery("SELECT sum(n), version() FROM t")) {
          rows.next();
          assertThat(rows.getLong(1)).isEqualTo(55);
          assertThat(rows.getString(2)).startsWith("PostgreSQL 14.");
        }
      }
      home = postgres.home();
      // The server's own process: the first line of postmaster.pid in its data folder.
      pid = Long.parseLong(Files.readAllLines(home.resolve("data/postmaster.pid")).get(0).strip());
      assertThat(home).isDirectory();
      assertThat(ProcessHandle.of(pid)).isPresent();
    }
    assertThat(home).doesNotExist();
    Optional<ProcessHandle> server = ProcessHandle.of(pid);
    assertThat(server.map(ProcessHandle::isAlive)).isIn(Optional.empty(), Optional.of(false));
  }
}
