package io.lambdaflow.cli;

import io.lambdaflow.config.ConfigurationException;
import io.lambdaflow.config.PipelineLoader;
import io.lambdaflow.pipeline.Pipeline;
import io.lambdaflow.pipeline.ScheduleSettings;
import io.lambdaflow.spi.ExecutionMode;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.Set;

/**
 * {@code lambda airflow FILE}: an Airflow DAG (Python) that runs the pipeline's batch layer on its
 * {@code schedule}: {@code schedule.cron} as the DAG's schedule, read in {@code schedule.time-zone}
 * (the start date carries the zone), {@code schedule.retries} and {@code retry-delay} as the
 * task's, at most one run at once, and no backfill ({@code catchup=False}: after an outage Airflow
 * runs the latest missed interval once). The task is a {@code BashOperator} calling {@code
 * bin/lambda batch} with the pipeline file's absolute path, in the environment of Airflow's worker.
 * Only Airflow's stable core API is used ({@code DAG}, {@code BashOperator}, {@code default_args}),
 * for Airflow 2.4+ and 3.
 */
final class AirflowDag {
  private AirflowDag() {}

  /**
   * Runs {@code lambda airflow FILE [--out PATH]}: the DAG to {@code PATH}, or to {@code out}.
   *
   * @return the exit status
   */
  static int command(PipelineLoader loader, CommandLine command, PrintStream out, PrintStream err) {
    if (command.file() == null) {
      err.println("lambda airflow: which pipeline file? usage: lambda airflow FILE [--out PATH]");
      return Launcher.CONFIGURATION_ERROR;
    }
    Pipeline pipeline;
    try {
      pipeline = loader.load(command.file(), command.overrides(), Set.of(ExecutionMode.BATCH));
    } catch (ConfigurationException e) {
      err.println(command.file() + ": " + e.getMessage());
      return Launcher.CONFIGURATION_ERROR;
    }
    if (pipeline.schedule().cron().isEmpty()) {
      err.println(
          "lambda airflow: pipeline '"
              + pipeline.name()
              + "' has no schedule; set schedule.cron, e.g. schedule { cron = \"0 2 * * *\" }");
      return Launcher.CONFIGURATION_ERROR;
    }
    Path home = Path.of(System.getenv().getOrDefault("LAMBDA_HOME", ".")).toAbsolutePath();
    String dag =
        render(
            pipeline,
            command.file().toAbsolutePath().normalize(),
            home.normalize().resolve("bin/lambda"),
            LocalDate.now(pipeline.schedule().timeZone()));
    String target = command.flags().get("--out");
    if (target == null) {
      out.print(dag);
      return Launcher.OK;
    }
    try {
      Path file = Path.of(target);
      if (file.getParent() != null) {
        Files.createDirectories(file.getParent());
      }
      Files.writeString(file, dag);
    } catch (IOException e) {
      err.println("lambda airflow: cannot write " + target + ": " + e.getMessage());
      return Launcher.RUNTIME_FAILURE;
    }
    out.println(
        "wrote the Airflow DAG for '"
            + pipeline.name()
            + "' ("
            + pipeline.schedule().cron()
            + ", "
            + pipeline.schedule().timeZone()
            + ") to "
            + target
            + "; copy it into Airflow's dags folder");
    return Launcher.OK;
  }

  /**
   * The DAG's Python source.
   *
   * @param conf the pipeline file
   * @param lambda the {@code bin/lambda} the task calls
   * @param startDate the DAG's start date (Airflow wants a fixed one)
   */
  static String render(Pipeline pipeline, Path conf, Path lambda, LocalDate startDate) {
    ScheduleSettings schedule = pipeline.schedule();
    String dagId = "lambdaflow_" + pipeline.name().replaceAll("[^A-Za-z0-9_]", "_");
    String command = shellQuote(lambda.toString()) + " batch " + shellQuote(conf.toString());
    return """
        \"\"\"Airflow DAG: the batch layer of the lambdaflow pipeline '%1$s' on '%2$s' (%3$s).

        Written by `lambda airflow %4$s`; change the pipeline file's schedule section and write it
        again rather than editing this file. Copy it into Airflow's dags folder. The task runs
        bin/lambda in the worker's environment (LAMBDA_KAFKA, credentials, JAVA_HOME come from there).
        \"\"\"
        import datetime
        import zoneinfo

        from airflow import DAG

        try:  # Airflow 3
            from airflow.providers.standard.operators.bash import BashOperator
        except ImportError:  # Airflow 2
            from airflow.operators.bash import BashOperator

        with DAG(
            dag_id=%5$s,
            description=%6$s,
            schedule=%7$s,
            start_date=datetime.datetime(%8$d, %9$d, %10$d, tzinfo=zoneinfo.ZoneInfo(%11$s)),
            catchup=False,
            max_active_runs=1,
            default_args={
                "retries": %12$d,
                "retry_delay": datetime.timedelta(seconds=%13$d),
            },
            tags=["lambdaflow"],
        ) as dag:
            batch = BashOperator(
                task_id="batch",
                bash_command=%14$s,
            )
        """
        .formatted(
            pipeline.name(),
            schedule.cron(),
            schedule.timeZone(),
            conf.toString().replaceAll("[\\\\\"\\p{Cntrl}]", "_"),
            python(dagId),
            python("lambdaflow pipeline " + pipeline.name() + ": the batch layer"),
            python(schedule.cron()),
            startDate.getYear(),
            startDate.getMonthValue(),
            startDate.getDayOfMonth(),
            python(schedule.timeZone().getId()),
            schedule.retries(),
            schedule.retryDelay().toSeconds(),
            // A trailing space: Airflow reads a command ending in .sh or .bash as a template file.
            python(command + " "));
  }

  /** A Python string literal: double quotes, backslashes and control characters escaped. */
  static String python(String text) {
    StringBuilder literal = new StringBuilder("\"");
    for (char c : text.toCharArray()) {
      switch (c) {
        case '"' -> literal.append("\\\"");
        case '\\' -> literal.append("\\\\");
        case '\n' -> literal.append("\\n");
        default -> {
          if (c < 0x20 || c == 0x7f) {
            literal.append(String.format("\\x%02x", (int) c));
          } else {
            literal.append(c);
          }
        }
      }
    }
    return literal.append('"').toString();
  }

  /** A single-quoted shell word. */
  static String shellQuote(String word) {
    return "'" + word.replace("'", "'\\''") + "'";
  }
}
