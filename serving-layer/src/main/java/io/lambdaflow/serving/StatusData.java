package io.lambdaflow.serving;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lambdaflow.pipeline.Pipeline;
import io.lambdaflow.spi.DeadLetters;
import io.lambdaflow.spi.SupportsReadBack;
import io.lambdaflow.status.SpeedStatus;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the status page shows, gathered from where the layers leave it: the views as served, the
 * batch runs' summaries ({@code <storage-root>/runs}), the speed layer's recent micro-batches
 * ({@link SpeedStatus}) and the dead letters themselves (read as JSON lines, up to {@link
 * #MOST_LETTERS}), counted by stage and reason with a few samples.
 *
 * @param runs the latest batch runs' summaries, newest first
 * @param speed the speed layer's last hour of micro-batches and its expectation counts
 * @param letters dead letters by stage, then by reason (its text up to the first colon)
 * @param samples a few dead letters per stage
 * @param lettersRead how many dead letters were read; {@link #MOST_LETTERS} means there may be more
 */
record StatusData(
    Pipeline pipeline,
    Instant at,
    List<ViewState> views,
    List<JsonNode> runs,
    SpeedStatus.Snapshot speed,
    Map<String, Map<String, Long>> letters,
    Map<String, List<JsonNode>> samples,
    long lettersRead) {
  static final int MOST_LETTERS = 100_000;
  private static final int RUNS = 10;
  private static final int SAMPLES = 3;
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Logger LOG = LoggerFactory.getLogger(StatusData.class);

  static StatusData gather(Pipeline pipeline, Configuration hadoop, List<ViewState> views) {
    Map<String, Map<String, Long>> letters = new TreeMap<>();
    Map<String, List<JsonNode>> samples = new TreeMap<>();
    long read = 0;
    Optional<String> where =
        pipeline.deadLetter().spec() instanceof SupportsReadBack back
            ? back.jsonLines()
            : Optional.empty();
    if (where.isPresent()) {
      read = readLetters(new Path(where.get()), hadoop, letters, samples);
    }
    return new StatusData(
        pipeline,
        Instant.now(),
        views,
        runs(pipeline, hadoop),
        SpeedStatus.read(pipeline.storageRoot(), hadoop),
        letters,
        samples,
        read);
  }

  private static List<JsonNode> runs(Pipeline pipeline, Configuration hadoop) {
    Path root = new Path(pipeline.storageRoot() + "/runs");
    List<JsonNode> runs = new ArrayList<>();
    try {
      FileSystem fs = root.getFileSystem(hadoop);
      if (!fs.exists(root)) {
        return runs;
      }
      FileStatus[] folders = fs.listStatus(root);
      Arrays.sort(
          folders, Comparator.comparing((FileStatus f) -> f.getPath().getName()).reversed());
      for (FileStatus folder : folders) {
        Path summary = new Path(folder.getPath(), "summary.json");
        if (runs.size() < RUNS && fs.exists(summary)) {
          try (var in = fs.open(summary)) {
            runs.add(JSON.readTree(in));
          }
        }
      }
    } catch (IOException e) {
      LOG.warn("cannot read the batch runs under {}: {}", root, e.getMessage());
    }
    return runs;
  }

  private static long readLetters(
      Path where,
      Configuration hadoop,
      Map<String, Map<String, Long>> letters,
      Map<String, List<JsonNode>> samples) {
    long read = 0;
    try {
      FileSystem fs = where.getFileSystem(hadoop);
      if (!fs.exists(where)) {
        return 0;
      }
      RemoteIterator<LocatedFileStatus> files = fs.listFiles(where, true);
      while (files.hasNext() && read < MOST_LETTERS) {
        Path file = files.next().getPath();
        String name = file.getName();
        if (name.startsWith(".") || name.startsWith("_") || !name.endsWith(".json")) {
          continue;
        }
        try (BufferedReader in =
            new BufferedReader(new InputStreamReader(fs.open(file), StandardCharsets.UTF_8))) {
          String line;
          while ((line = in.readLine()) != null && read < MOST_LETTERS) {
            if (line.isBlank()) {
              continue;
            }
            JsonNode letter = JSON.readTree(line);
            String stage = letter.path(DeadLetters.STAGE).asText("?");
            letters
                .computeIfAbsent(stage, s -> new TreeMap<>())
                .merge(kind(letter.path(DeadLetters.REASON).asText("")), 1L, Long::sum);
            List<JsonNode> some = samples.computeIfAbsent(stage, s -> new ArrayList<>());
            if (some.size() < SAMPLES) {
              some.add(letter);
            }
            read++;
          }
        }
      }
    } catch (IOException | RuntimeException e) {
      LOG.warn("cannot read the dead letters under {}: {}", where, e.getMessage());
    }
    return read;
  }

  /** A reason's kind: its text up to the first colon ("malformed JSON", "expectation 'x' ..."). */
  static String kind(String reason) {
    int colon = reason.indexOf(':');
    return colon < 0 ? reason : reason.substring(0, colon);
  }
}
