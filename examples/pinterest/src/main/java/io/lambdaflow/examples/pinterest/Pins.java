package io.lambdaflow.examples.pinterest;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;

/**
 * The poster's looping dataset: Pinterest-like pins with the seed's dirt. Follower counts such as
 * {@code 12k} and {@code 1M}, tag lists with a comma between every character and {@code #} in front
 * of tags, literal unicode escapes and compatibility characters in text, numbers sent as strings,
 * and some pins that cleaning must refuse (no unique id, a count that is no quantity, a broken
 * escape, an index that is no number) or that are not even JSON. Deterministic: pin {@code i} is
 * always the same.
 */
public final class Pins {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String[] CATEGORIES = {
    "travel",
    "diy-and-crafts",
    "mens-fashion",
    "art",
    "education",
    "finance",
    "quotes",
    "tattoos",
    "vehicles",
    "home-decor"
  };
  private static final String[] TAGS = {"tips", "ideas", "inspo", "style", "budget", "weekend"};

  /**
   * One pin to post.
   *
   * @param body the request body
   * @param refusal why cleaning sends it to the dead letters (the reason's start), or null for a
   *     pin that lands; {@code "400"} for a body the API refuses
   */
  public record Pin(String uniqueId, String body, String refusal) {
    public boolean lands() {
      return refusal == null;
    }

    public boolean notJson() {
      return "400".equals(refusal);
    }
  }

  private Pins() {}

  /** The dataset's {@code size} pins. */
  public static List<Pin> dataset(int size) {
    List<Pin> pins = new ArrayList<>(size);
    for (int i = 0; i < size; i++) {
      pins.add(pin(i));
    }
    return pins;
  }

  /** Pin {@code i} of the dataset. */
  public static Pin pin(int i) {
    String id = UUID.nameUUIDFromBytes(("pin-" + i).getBytes()).toString();
    if (i % 25 == 24) {
      return new Pin(
          id, "{\"index\": " + i + ", \"unique_id\": \"" + id + "\", \"title\": ", "400");
    }
    String category = CATEGORIES[i % CATEGORIES.length];
    ObjectNode pin = JSON.createObjectNode();
    // Numbers as strings for every other pin.
    if (i % 2 == 0) {
      pin.put("index", String.valueOf(i));
    } else {
      pin.put("index", i);
    }
    pin.put("unique_id", id);
    String title =
        switch (i % 3) {
          case 0 -> "Caf\\u00e9 guide n\\u00ba" + i; // literal escapes: cleaning decodes them
          case 1 -> "Best " + category + " ideas ２０２" + (i % 10); // full-width digits
          default -> "Plain title " + i;
        };
    pin.put("title", title);
    pin.put("description", "What\u2019s new in " + category + "\u200b");
    pin.put("poster_name", "poster_" + (i % 17));
    pin.put(
        "follower_count",
        switch (i % 4) {
          case 0 -> (i % 90 + 10) + "k";
          case 1 -> (i % 3 + 1) + "M";
          case 2 -> String.format(Locale.ROOT, "%d.%dk", i % 9 + 1, i % 10);
          default -> String.valueOf(i * 7 % 1000);
        });
    String tag = TAGS[i % TAGS.length];
    pin.put(
        "tag_list",
        i % 5 == 0
            ? String.join(",", ("#" + category).split("")) // a comma between every character
            : "#" + category + ",#" + tag + ",misc");
    pin.put("is_image_or_video", i % 7 == 0 ? "video" : "image");
    pin.put("image_src", "https://i.pinimg.com/originals/" + id.substring(0, 8) + ".jpg");
    if (i % 2 == 0) {
      pin.put("downloaded", String.valueOf(i % 2));
    } else {
      pin.put("downloaded", 1);
    }
    pin.put("save_location", "Local save in /data/" + category);
    pin.put("category", category);
    String refusal = null;
    if (i % 10 == 7) {
      switch ((i / 10) % 4) {
        case 0 -> {
          pin.remove("unique_id");
          refusal = "required field 'unique_id' is missing or null";
        }
        case 1 -> {
          pin.put("follower_count", "lots");
          refusal = "column 'follower_count': 'lots' is not a quantity";
        }
        case 2 -> {
          pin.put("title", "broken \\u12G4 escape");
          refusal = "column 'title': 'broken \\u12G4 escape' has a broken unicode escape";
        }
        default -> {
          pin.put("index", "seven");
          refusal = "cannot cast column 'index' value 'seven' to int";
        }
      }
    }
    return new Pin(id, pin.toString(), refusal);
  }
}
