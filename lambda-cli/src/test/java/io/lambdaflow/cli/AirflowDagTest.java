package io.lambdaflow.cli;

import static io.lambdaflow.cli.LauncherTest.lambda;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code lambda airflow FILE}: the DAG compiles with python3 and, run against a stand-in {@code
 * airflow} package with the constructors' documented signatures, declares the pipeline's schedule,
 * retries and command; loaded by Airflow's own DagBag when Airflow is installed.
 */
class AirflowDagTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;

  @BeforeAll
  static void python() {
    Assumptions.assumeTrue(
        exitOf(List.of("python3", "--version")) == 0,
        "python3 is not installed (apt-get install python3); .ci/run installs it");
  }

  private static int exitOf(List<String> command) {
    try {
      Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
      process.getInputStream().readAllBytes();
      return process.waitFor(60, TimeUnit.SECONDS) ? process.exitValue() : -1;
    } catch (IOException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  private static String run(Path workDir, String... command) throws Exception {
    Process process =
        new ProcessBuilder(command).directory(workDir.toFile()).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).as(output).isZero();
    return output;
  }

  private Path dag(String schedule) throws Exception {
    Path conf = dir.resolve("nightly's pins.conf");
    Files.writeString(
        conf,
        "name = pins\nlayers = [batch]\nstorage-root = \""
            + dir.resolve("root")
            + "\"\nsources { in { type = files, format = text, path = \""
            + dir.resolve("in")
            + "\" } }\nsinks { out { type = console } }\n"
            + schedule);
    Path dag = dir.resolve("dags/pins.py");
    LauncherTest.Result result = lambda("airflow", conf.toString(), "--out", dag.toString());
    assertThat(result.err()).isEmpty();
    assertThat(result.status()).isZero();
    assertThat(result.out())
        .isEqualTo(
            "wrote the Airflow DAG for 'pins' (0 2 * * *, Europe/London) to "
                + dag
                + "; copy it into Airflow's dags folder\n");
    return dag;
  }

  @Test
  void theDagCompilesAndDeclaresTheScheduleRetriesAndCommand() throws Exception {
    Path dag =
        dag(
            "schedule { cron = \"0 2 * * *\", time-zone = Europe/London, retries = 3,"
                + " retry-delay = 10 minutes }\n");
    run(dir, "python3", "-m", "py_compile", dag.toString());

    Path standIn = Files.createDirectories(dir.resolve("stand-in/airflow/operators"));
    Files.writeString(
        standIn.getParent().resolve("__init__.py"),
        """
        DAGS = []
        class DAG:
            def __init__(self, dag_id, description=None, schedule=None, start_date=None,
                         catchup=True, max_active_runs=16, default_args=None, tags=None):
                self.kwargs = dict(dag_id=dag_id, description=description, schedule=schedule,
                                   start_date=start_date.isoformat(), catchup=catchup,
                                   max_active_runs=max_active_runs, tags=tags,
                                   retries=default_args["retries"],
                                   retry_delay=default_args["retry_delay"].total_seconds())
                self.tasks = []
                DAGS.append(self)
            def __enter__(self):
                DAG.current = self
                return self
            def __exit__(self, *exc):
                DAG.current = None
        """);
    Files.writeString(standIn.resolve("__init__.py"), "");
    Files.writeString(
        standIn.resolve("bash.py"),
        """
        from airflow import DAG
        class BashOperator:
            def __init__(self, task_id, bash_command, env=None):
                DAG.current.tasks.append(dict(task_id=task_id, bash_command=bash_command))
        """);
    Files.writeString(
        dir.resolve("load.py"),
        """
        import json, runpy, sys
        sys.path.insert(0, "stand-in")
        runpy.run_path(sys.argv[1])
        import airflow
        dag = airflow.DAGS[0]
        print(json.dumps(dict(dag.kwargs, tasks=dag.tasks)))
        """);
    JsonNode loaded = JSON.readTree(run(dir, "python3", "load.py", dag.toString()));
    assertThat(loaded.path("dag_id").asText()).isEqualTo("lambdaflow_pins");
    assertThat(loaded.path("schedule").asText()).isEqualTo("0 2 * * *");
    assertThat(loaded.path("start_date").asText())
        .matches("\\d{4}-\\d{2}-\\d{2}T00:00:00\\+0[01]:00");
    assertThat(loaded.path("catchup").asBoolean()).isFalse();
    assertThat(loaded.path("max_active_runs").asInt()).isEqualTo(1);
    assertThat(loaded.path("retries").asInt()).isEqualTo(3);
    assertThat(loaded.path("retry_delay").asDouble()).isEqualTo(600.0);
    assertThat(loaded.path("tasks")).hasSize(1);
    assertThat(loaded.path("tasks").get(0).path("task_id").asText()).isEqualTo("batch");
    Path lambda =
        Path.of(System.getenv().getOrDefault("LAMBDA_HOME", "."))
            .toAbsolutePath()
            .normalize()
            .resolve("bin/lambda");
    assertThat(loaded.path("tasks").get(0).path("bash_command").asText())
        .isEqualTo("'" + lambda + "' batch '" + dir.resolve("nightly'\\''s pins.conf") + "' ");
  }

  @Test
  void airflowsOwnParserLoadsTheDagWhenAirflowIsInstalled() throws Exception {
    Assumptions.assumeTrue(
        exitOf(List.of("python3", "-c", "import airflow")) == 0,
        "Airflow is not installed (pip install apache-airflow); the stand-in test checks the DAG");
    Path dag = dag("schedule { cron = \"0 2 * * *\", time-zone = Europe/London }\n");
    String output =
        run(
            dir,
            "python3",
            "-c",
            "import sys\n"
                + "from airflow.models import DagBag\n"
                + "bag = DagBag(dag_folder=sys.argv[1], include_examples=False)\n"
                + "assert not bag.import_errors, bag.import_errors\n"
                + "dag = bag.get_dag('lambdaflow_pins')\n"
                + "print(dag.dag_id, len(dag.tasks))\n",
            dag.getParent().toString());
    assertThat(output.strip().lines().reduce((a, b) -> b).orElse(""))
        .isEqualTo("lambdaflow_pins 1");
  }

  @Test
  void aPipelineWithoutAScheduleIsAClearError() throws Exception {
    Path conf = dir.resolve("p.conf");
    Files.writeString(
        conf,
        "name = unscheduled\nlayers = [batch]\nsources { in { type = files, format = text, path ="
            + " in } }\nsinks { out { type = console } }\n");
    LauncherTest.Result result = lambda("airflow", conf.toString());
    assertThat(result.status()).isEqualTo(2);
    assertThat(result.err())
        .isEqualTo(
            "lambda airflow: pipeline 'unscheduled' has no schedule; set schedule.cron, e.g."
                + " schedule { cron = \"0 2 * * *\" }\n");
  }
}
