package io.lambdaflow.cli;

import io.lambdaflow.layer.LayerFactory;
import io.lambdaflow.registry.PluginKind;
import io.lambdaflow.registry.PluginRegistry;
import io.lambdaflow.spi.ConfigOption;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/** What {@code lambda --help} and {@code lambda VERB --help} print. */
final class Usage {
  private Usage() {}

  static final String USAGE =
      """
      usage: lambda VERB [FILE] [-Dkey=value ...] [--jars a.jar,b.jar]

      verbs:
        validate FILE   check a pipeline file and report every problem; starts nothing
        preview FILE    the first rows after a source or transform, and its dead letters
                        (--stage NAME, --rows N; default 10); writes nothing
        test FILE       run the pipeline on its fixtures in each layer and compare the outputs
                        with the expected files (--fixtures DIR, --update)
        batch FILE      run the pipeline once in the batch layer
        speed FILE      run the pipeline continuously in the speed layer (Ctrl-C stops it)
        serve FILE      serve the pipeline's views (batch + speed, merged) over HTTP
        ingest FILE     the pipeline's HTTP ingest routes, each request an event on Kafka
        schedule FILE   run the batch layer whenever schedule.cron fires (Ctrl-C stops it)
        ui FILE         the status page alone (lambda serve has it at /status) (--port N)
        replay FILE     run a transform's dead letters through the pipeline again after a fix,
                        from that transform on, each once (--stage NAME, --reason PREFIX)
        airflow FILE    write an Airflow DAG running the batch layer on schedule.cron
                        (--out dags/NAME.py; default: standard output)
        NAME FILE       run a layer plugin by name (lambda plugins lists the layers)
        init NAME       a new Maven project for a custom pipeline: its own transform plugin,
                        a pipeline file, a test with the test kit (--package P, --dir DIR)
        demo            the game-events example end to end on embedded services
        game-api        the game's web API: ingest conf/game-events.conf (port 5000)
        game-load       traffic for the game API, like ab for several hosts
        broker          run an embedded Kafka broker (KRaft) on 127.0.0.1:9092
        postgres        run an embedded PostgreSQL server on 127.0.0.1:5432
        registry        run an embedded schema registry (Confluent API) on 127.0.0.1:8081
        cluster         run a Spark standalone cluster on this machine: a master on
                        127.0.0.1:7077 and two workers (--workers N, --cores N, --memory 1g)
        package FILE    an application jar for spark-submit (--out JAR, --jars ...)
        submit FILE     run the batch or speed layer on a cluster through spark-submit
                        (--master URL, --layer batch|speed, --deploy-mode client|cluster)
        produce         send a file's lines or records (csv, json, avro) to a Kafka topic
        warm-up         record the classes a batch run loads (class data sharing): later
                        runs of every verb start seconds sooner (bin/lambda; LAMBDA_CDS=off)
        plugins         list the plugins on the classpath: sources, transforms, sinks, layers,
                        serving engines and view stores, with their options
        help            show this text (also: lambda VERB --help)

      options:
        -Dkey=value     set a pipeline key for this run, e.g. -Dstorage-root=/tmp/lambda
        --jars LIST     comma-separated jars with more plugins (used by type name in the file)

      exit status: 0 success, 2 configuration or usage error, 1 failure while running
      """;

  static final Map<String, String> VERB_HELP =
      pairs(
          "validate",
              """
          usage: lambda validate FILE [-Dkey=value ...] [--jars a.jar,b.jar]

          Reads FILE with its defaults and overrides and checks all of it: unknown keys and
          types, missing or mistyped options, undefined inputs, cycles, and whether each source
          and sink supports the pipeline's layers. Every problem is printed with file:line.
          No Spark session starts. Exit 0 when valid, 2 otherwise.
          """,
          "preview",
              """
          usage: lambda preview FILE --stage NAME [--rows N] [-Dkey=value ...] [--jars a.jar,b.jar]

          Plans the pipeline as a batch run reads it (sources whole, no horizon) and prints the
          first N rows (default 10) after the source or transform NAME, then that stage's dead
          letters with their reasons. Writes nothing: to see what a cleaning step does before a
          run. Exit 0, 2 for a problem in the file or the command line, 1 when reading fails.
          """,
          "test",
              """
          usage: lambda test FILE [--fixtures DIR] [--update] [-Dkey=value ...]
                             [--jars a.jar,b.jar]

          Runs the pipeline on declared inputs in each of its layers (batch, then speed with an
          available-now trigger), each in a temporary storage root, and compares its outputs
          with expected files. DIR (default: fixtures/NAME beside FILE.conf) holds
            input/SOURCE.EXT           a source's records: a files source reads it (or a folder
                                       input/SOURCE/) in place; a kafka source reads its topic on
                                       an embedded broker, one record per line, in one partition,
                                       timestamped a second apart from 2026-01-01T00:00:00Z
            expected/views/VIEW.csv    the view as the serving layer answers it
            expected/sinks/SINK.csv    the rows the pipeline gives the sink
            expected/dead-letters.csv  stage, position, reason and raw of each dead letter
          Rows compare as sets (order aside), values as the serving layer writes them; a
          difference prints the rows missing (-) and not expected (+). Sinks are captured: a test
          writes to no database, topic or bucket. --update writes the expected files from the
          batch layer's outputs (then the speed layer is compared with them).
          Exit 0 when every output is as expected, 1 when one differs or a run fails, 2 for a
          problem in the file, the fixtures or the command line.
          """,
          "init",
              """
          usage: lambda init NAME [--package com.example.name] [--dir NAME]

          Creates a Maven project in DIR (default: ./NAME) for a custom pipeline built on this
          version of lambdaflow: pom.xml importing lambdaflow-bom, a transform plugin (type =
          mask) with its META-INF/services entry, NAME.conf using it on data/customers.csv, a
          test written with the test kit, and a README. Then: cd NAME && mvn package, and
          lambda batch NAME.conf --jars target/NAME-0.1.0-SNAPSHOT.jar.
          """,
          "batch",
              """
          usage: lambda batch FILE [--recompute] [--accept-gap] [-Dkey=value ...]
                              [--jars a.jar,b.jar]

          Validates FILE, then runs the pipeline once on Spark (spark.master, local[*] by
          default): reads every source, applies the transforms, writes every sink and the dead
          letters, and prints a summary whose counts add up. The summary is also written to
          <storage-root>/runs/<run id>/summary.json.

          A pipeline with views runs under the lambda contract: the run fixes a horizon per
          source, appends only what is new since the last run to the master dataset, recomputes
          every batch view from it, and publishes views and horizon together. A killed run
          publishes nothing; run it again.
            --recompute    read no source; rebuild every batch view from the master dataset
                           (after fixing a transform) and publish them
            --accept-gap   go on when Kafka no longer holds records since the last run
                           (retention removed them); without it the run fails naming them

          Exit 0 on success, 2 for a configuration problem, 1 for a failure while running.
          """,
          "serve",
              """
          usage: lambda serve FILE [--engine NAME] [--host H] [--port N] [-Dkey=value ...]
                              [--jars a.jar,b.jar]

          Serves the pipeline's views over HTTP (serving.host:serving.port, 127.0.0.1:8088 by
          default): each view is the latest published batch view merged with the speed view's
          rows past its horizon, refreshed every serving.refresh-interval.
            GET  /health                      status
            GET  /views                       views with horizon, freshness and row counts
            GET  /views/NAME?KEY=VALUE        rows of a view by key(s); &limit=N
            POST /query  (body: SELECT ...)   a read-only SQL query over the views by name
            GET  /status                      the status page (graph, layers, views, dead letters)
            GET  /metrics                     Prometheus metrics (latency, view freshness, rows)
          The engine is a plugin (serving.engine; lambda plugins lists them; --engine NAME takes
          one with its default options): duckdb (default)
          answers from locally cached Parquet in milliseconds; spark runs Spark SQL, for views
          larger than one machine. Ctrl-C stops it.
          """,
          "speed",
              """
          usage: lambda speed FILE [--metrics-port N] [-Dkey=value ...] [--jars a.jar,b.jar]

          Validates FILE, then runs the pipeline in the speed layer: one Structured Streaming
          query per sink (plus one for dead letters), each checkpointed under
          speed.checkpoint-root, triggered by speed.trigger or the sink's own trigger. Progress is
          logged per micro-batch. Ctrl-C or SIGTERM stops after the current micro-batch; running
          it again resumes from the checkpoints. With trigger = available-now it processes what is
          there and exits. Exit 0 on a clean stop, 2 for a configuration problem, 1 on failure.
            --metrics-port N   Prometheus metrics at http://127.0.0.1:N/metrics (0: a free port;
                               metrics.speed-port, metrics.host)
          """,
          "broker",
              """
          usage: lambda broker [--port 9092] [--topic a,b] [--partitions 1]

          Runs a real Kafka broker (KRaft, no ZooKeeper) in this process on 127.0.0.1, its data
          in a temporary directory that is removed when it stops (Ctrl-C). --topic creates topics
          at start; topics are not created automatically on first use.
          """,
          "postgres",
              """
          usage: lambda postgres [--port 5432]

          Runs a real PostgreSQL 14 server (its own binaries, unpacked from a Maven artifact) as a
          child process on 127.0.0.1 and prints its JDBC URL. Connect as user postgres, without a
          password, from this machine only. Its data lives in a temporary directory that is
          removed when it stops (Ctrl-C).
          """,
          "produce",
              """
          usage: lambda produce --topic T [--file PATH] [--format string|csv|json|avro]
                                [--rate N] [--key COLUMN] [--columns a,b,c] [--avro-schema FILE]
                                [--schema-registry URL] [--bootstrap 127.0.0.1:9092]
                                [--partitions 1]

          Sends each line of --file (default: standard input) to topic T as one record, creating
          the topic if it does not exist; at most --rate records a second (default: as fast as
          Kafka takes them). --format string (default) sends lines as they are. The others read
          the input by its first line: a CSV header (stop_times.txt as GTFS has it) or a JSON
          object per line. csv sends each CSV line without the header (--columns: those columns,
          by name, in that order, as the consumer's schema expects); json each row as a JSON
          object of its columns; avro each row as a record of --avro-schema (a JSON Avro schema
          file; fields by name, text converted to int, long, float, double or boolean), in the
          Confluent wire format with --schema-registry (the schema registered under T-value;
          credentials from $LAMBDA_REGISTRY_USER and $LAMBDA_REGISTRY_PASSWORD), else plain Avro
          binary. --key names the column whose value is the record's key. --bootstrap defaults to
          $LAMBDA_KAFKA or 127.0.0.1:9092.
          """,
          "registry",
              """
          usage: lambda registry [--port 8081]

          Runs a real schema registry (Apicurio Registry, from its Maven artifact, with the
          Confluent-compatible API) as a child process on 127.0.0.1 and prints its URL, for
          schema-registry-url in Kafka sources and sinks and for lambda produce --format avro.
          Schemas are kept in memory; Ctrl-C stops it.
          """,
          "cluster",
              """
          usage: lambda cluster [--port 7077] [--workers 2] [--cores 1] [--memory 1g]

          Runs a real Spark standalone cluster on 127.0.0.1: a master and workers, each a JVM
          of Spark's own jars (from lambda's classpath), executors in JVMs of their own. Prints
          the master URL for lambda submit --master. Ctrl-C stops it and removes its folder.
          """,
          "package",
              """
          usage: lambda package FILE [--out JAR] [--jars a.jar,b.jar] [-Dkey=value ...]

          Validates FILE and writes one jar (default: target/NAME-app.jar) that stock
          spark-submit runs: spark-submit --master URL JAR batch|speed [-Dkey=value ...]. It
          holds the framework, the plugins (--jars too, their service files merged) and the
          libraries a cluster job uses, and FILE itself; it leaves out what a Spark installation
          provides and what only bin/lambda's services and the serving layer use. Guava is
          relocated (Spark distributions ship Guava 14; Guice needs 31+).
          """,
          "submit",
              """
          usage: lambda submit FILE|APP.jar --master URL [--layer batch|speed]
                              [--deploy-mode client|cluster] [-Dkey=value ...] [--jars ...]

          Packages FILE (as lambda package, into target/lambda-submit/) or takes an application
          jar, and runs it on the cluster at URL (spark://, yarn, k8s://, local[*]) in the batch
          layer (default) or the speed layer, through $SPARK_HOME/bin/spark-submit when SPARK_HOME
          names a Spark installation, else Spark's SparkSubmit on lambda's own Spark jars. The
          serving layer is not submitted: run lambda serve FILE beside the cluster. Ctrl-C or
          SIGTERM stops a speed layer after its current micro-batch. Exit status: spark-submit's.
          """,
          "plugins",
              """
          usage: lambda plugins [--jars a.jar,b.jar]

          Lists every plugin found on the classpath (and in --jars), by kind: source, transform,
          sink, layer, serving engine and view store types, with their options, their types,
          defaults and descriptions. A layer's options are set on its command line (--name).
          """,
          "help", USAGE);

  /** The usage text, with the layer plugins found besides the built-in ones. */
  static String usage(PluginRegistry registry) {
    Set<String> plugins = new TreeSet<>(registry.all(PluginKind.LAYER).keySet());
    plugins.removeAll(Set.of("batch", "speed", "serve", "ingest", "schedule", "replay", "ui"));
    return plugins.isEmpty()
        ? USAGE
        : USAGE.replace(
            "  NAME FILE       run a layer plugin by name (lambda plugins lists the layers)\n",
            "  NAME FILE       run a layer plugin by name: " + String.join(", ", plugins) + "\n");
  }

  /** A map of verb to text from verb, text, verb, text, ... */
  private static Map<String, String> pairs(String... pairs) {
    Map<String, String> map = new java.util.LinkedHashMap<>();
    for (int i = 0; i + 1 < pairs.length; i += 2) {
      map.put(pairs[i], pairs[i + 1]);
    }
    return Map.copyOf(map);
  }

  /** What {@code lambda VERB --help} prints; a layer plugin's from its description and options. */
  static String help(String verb, Optional<LayerFactory> layer, PluginRegistry registry) {
    if (verb.equals("help")) {
      return usage(registry);
    }
    if (VERB_HELP.containsKey(verb) || layer.isEmpty()) {
      return VERB_HELP.getOrDefault(verb, usage(registry));
    }
    StringBuilder text =
        new StringBuilder("usage: lambda ")
            .append(verb)
            .append(" FILE [--option ...] [-Dkey=value ...] [--jars a.jar,b.jar]\n\n")
            .append("A layer plugin: ")
            .append(layer.get().description())
            .append(".\n");
    for (ConfigOption<?> option : layer.get().options().all()) {
      text.append("  --")
          .append(option.key())
          .append(" (")
          .append(option.type().expectation())
          .append("): ")
          .append(option.description())
          .append('\n');
    }
    return text.toString();
  }
}
