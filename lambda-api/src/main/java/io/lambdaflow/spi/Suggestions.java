package io.lambdaflow.spi;

import java.util.Collection;
import java.util.Locale;
import java.util.Optional;

/** Finds the closest known name to a misspelt one, for "did you mean" hints. */
public final class Suggestions {
  private Suggestions() {}

  /**
   * The known name closest to {@code name} by edit distance, if it is close enough to be a likely
   * typo (at most a third of the name's length, and at least one edit allowed).
   */
  public static Optional<String> closest(String name, Collection<String> known) {
    String needle = name.toLowerCase(Locale.ROOT);
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    for (String candidate : known) {
      int distance = distance(needle, candidate.toLowerCase(Locale.ROOT));
      if (distance < bestDistance) {
        best = candidate;
        bestDistance = distance;
      }
    }
    int allowed = Math.max(2, needle.length() / 3);
    return bestDistance <= allowed ? Optional.ofNullable(best) : Optional.empty();
  }

  /** Optimal string alignment distance: insertions, deletions, substitutions, transpositions. */
  static int distance(String a, String b) {
    int[][] d = new int[a.length() + 1][b.length() + 1];
    for (int i = 0; i <= a.length(); i++) {
      d[i][0] = i;
    }
    for (int j = 0; j <= b.length(); j++) {
      d[0][j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
        if (i > 1
            && j > 1
            && a.charAt(i - 1) == b.charAt(j - 2)
            && a.charAt(i - 2) == b.charAt(j - 1)) {
          d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
        }
      }
    }
    return d[a.length()][b.length()];
  }

  /**
   * What an error says of a name that is not among {@code known}: {@code unknown layer 'sped'; did
   * you mean 'speed'? (known layers: batch, speed)}.
   *
   * @param what what the name names ("layer", "source type")
   * @param listLabel how the list of known names is introduced ("known layers")
   */
  public static String unknown(
      String what, String name, Collection<String> known, String listLabel) {
    return "unknown "
        + what
        + " '"
        + name
        + "'"
        + closest(name, known).map(c -> "; did you mean '" + c + "'?").orElse("")
        + " ("
        + listLabel
        + ": "
        + String.join(", ", known)
        + ")";
  }
}
