package io.lambdaflow.records;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** {@link StrictJson}'s exact reasons, good records, and deep nesting without recursion. */
class StrictJsonTest {
  @Test
  void reasons() {
    // Good records.
    ok("{}");
    ok(" \t\r\n{}\n ");
    ok("{\"a\":1}");
    ok("{ \"a\" : [ 1 , 2 ] , \"b\" : { } }");
    ok("{\"a\":{\"b\":{\"c\":[1,2,{\"d\":[]},[[],[{}]]]}}}");
    ok("{\"s\":\"caf\\u00e9 \\u00E9 \\\"q\\\" \\\\ \\/ \\b\\f\\n\\r\\t\"}");
    ok("{\"e\":\"\uD83D\uDE00 raw surrogate pair, caf\u00e9, \u4e2d\u6587, DEL \u007f\"}");
    ok("{\"e\":\"\\uD83D\\uDE00\",\"\\uD83D\\uDE00\":\"\\ud800\"}");
    ok("{\"n\":[0,-0,1,-1,12.5,0.5,-0.5e10,1E+2,1e-2,0e0,123456789012345678901234567890]}");
    ok("{\"t\":true,\"f\":false,\"z\":null,\"l\":[true,false,null]}");
    ok("{\"\":\"\",\"a\":1,\"a\":2}");
    ok("{\"a\":[{\"b\":[{\"c\":{}}]}]}");
    ok(nest(512));
    ok(mixed(300, -1));
    for (String line : LINES) {
      ok(line);
    }

    // Not one object.
    check("", "empty record");
    check("   \n\t\r ", "empty record");
    check("[{\"a\":1}]", "not a JSON object: the record starts with '['");
    check("\"str\"", "not a JSON object: the record starts with '\"'");
    check("123", "not a JSON object: the record starts with '1'");
    check("  true", "not a JSON object: the record starts with 't'");
    check((char) 1 + "{}", "not a JSON object: the record starts with '\\u0001'");
    check("\uFEFF{}", "not a JSON object: the record starts with '\\uFEFF'");
    check("{\"a\":1}}", "trailing characters after the JSON object at character 8");
    check("{\"a\":1} x", "trailing characters after the JSON object at character 9");
    check("{\"a\":1}{\"b\":2}", "trailing characters after the JSON object at character 8");
    check("{\"a\":1}// c", "trailing characters after the JSON object at character 8");
    check("{\"a\":1}\u00a0", "trailing characters after the JSON object at character 8");

    // Quotes and names.
    check("{'a':1}", "single-quoted string at character 2 (JSON strings use double quotes)");
    check("{\"a\":'x'}", "single-quoted string at character 6 (JSON strings use double quotes)");
    check("{\"a\":['x']}", "single-quoted string at character 7 (JSON strings use double quotes)");
    check("{a:1}", "unquoted field name at character 2");
    check("{\"a\":1,_b:2}", "unquoted field name at character 8");
    check("{$a:1}", "unquoted field name at character 2");
    check("{1:2}", "unexpected '1' at character 2");

    // Numbers.
    String nonNumeric = " (NaN and Infinity are not JSON)";
    check("{\"a\":NaN}", "non-numeric number at character 6" + nonNumeric);
    check("{\"a\":Infinity}", "non-numeric number at character 6" + nonNumeric);
    check("{\"a\":-Infinity}", "non-numeric number at character 6" + nonNumeric);
    check("{\"a\":+Infinity}", "non-numeric number at character 6" + nonNumeric);
    check("{\"a\":[1,INF]}", "non-numeric number at character 9" + nonNumeric);
    check("{\"a\":+1}", "invalid number at character 6");
    check("{\"a\":01}", "number with a leading zero at character 6");
    check("{\"a\":-012}", "number with a leading zero at character 6");
    check("{\"a\":00}", "number with a leading zero at character 6");
    check("{\"a\":1.}", "invalid number at character 6");
    check("{\"a\":.5}", "invalid number at character 6");
    check("{\"a\":1e}", "invalid number at character 6");
    check("{\"a\":1e+}", "invalid number at character 6");
    check("{\"a\":-}", "invalid number at character 6");
    check("{\"a\":-x}", "invalid number at character 6");
    check("{\"a\":1.5.2}", "unexpected '.' at character 9");
    check("{\"a\":0x1F}", "unexpected 'x' at character 7");

    // Strings.
    check("{\"a\":\"\\q\"}", "invalid escape '\\q' at character 7");
    check("{\"a\":\"\\x41\"}", "invalid escape '\\x' at character 7");
    check("{\"a\":\"ok\\u12G4\"}", "invalid escape '\\u' at character 9");
    check("{\"a\":\"\\U0041\"}", "invalid escape '\\U' at character 7");
    check("{\"a\":\"\\'\"}", "invalid escape '\\'' at character 7");
    check(
        "{\"a\":\"x" + (char) 1 + "y\"}", "unescaped control character in a string at character 8");
    check("{\"a\":\"tab\there\"}", "unescaped control character in a string at character 10");
    check("{\"a\nb\":1}", "unescaped control character in a string at character 4");

    // Truncated.
    String incomplete = "incomplete JSON: the record ends before the object closes";
    check("{\"a\":\"x", "unterminated string starting at character 6");
    check("{\"a", "unterminated string starting at character 2");
    check("{\"a\":\"x\\", "unterminated string starting at character 6");
    check("{\"a\":\"\\u12", "unterminated string starting at character 6");
    check("{\"a\":1", incomplete);
    check("{", incomplete);
    check("  {\"a\"  ", incomplete);
    check("{\"a\":", incomplete);
    check("{\"a\":[1,2", incomplete);
    check("{\"a\":{\"b\":[]", incomplete);
    check("{\"a\":tru", incomplete);
    check("{\"a\":1.", incomplete);
    check("{\"a\":-", incomplete);

    // Commas, punctuation, comments.
    check("{\"a\":1,}", "trailing comma at character 7");
    check("{\"a\":[1,]}", "trailing comma at character 8");
    check("{\"a\":[1 , ] }", "trailing comma at character 9");
    check("{,}", "unexpected ',' at character 2");
    check("{\"a\":1,,\"b\":2}", "unexpected ',' at character 8");
    check("{\"a\":[,1]}", "unexpected ',' at character 7");
    check("{\"a\" 1}", "unexpected '1' at character 6");
    check("{\"a\"::1}", "unexpected ':' at character 6");
    check("{\"a\":}", "unexpected '}' at character 6");
    check("{\"a\":[}", "unexpected '}' at character 7");
    check("{\"a\":[1}", "unexpected '}' at character 8");
    check("{\"a\":{]}", "unexpected ']' at character 7");
    check("{\"a\":1]", "unexpected ']' at character 7");
    check("{\"a\":1 \"b\":2}", "unexpected '\"' at character 8");
    check("{\"a\":True}", "unexpected 'T' at character 6");
    check("{\"a\":nul}", "unexpected 'n' at character 6");
    check("{\"a\":undefined}", "unexpected 'u' at character 6");
    check("{\"a\":1" + (char) 1 + "}", "unexpected '\\u0001' at character 7");
    check("{\u00a0\"a\":1}", "unexpected '\\u00A0' at character 2");
    check("{/*c*/\"a\":1}", "unexpected '/' at character 2");
    check("{\"a\":1 // c\n}", "unexpected '/' at character 8");

    // Depth: level 513 is refused wherever it is, without recursion.
    check(nest(513), "JSON nested deeper than 512 levels at character 517");
    check(nest(100_000), "JSON nested deeper than 512 levels at character 517");
    check("[".repeat(100_000), "not a JSON object: the record starts with '['");
    check("{\"a\":".repeat(513), "JSON nested deeper than 512 levels at character 2561");
    ok("{\"a\":".repeat(512) + "1" + "}".repeat(512));
    // A closing bracket of the wrong kind beyond level 64 must still be caught.
    int one = mixed(300, -1).indexOf('1');
    check(mixed(300, 200), "unexpected ']' at character " + (one + 202)); // level 99, an object
    check(mixed(300, 250), "unexpected '}' at character " + (one + 252)); // level 49, an array
  }

  /** An object holding depth - 1 nested arrays. */
  private static String nest(int depth) {
    return "{\"a\":" + "[".repeat(depth - 1) + "]".repeat(depth - 1) + "}";
  }

  /** Objects every third level, arrays between; the closing bracket number wrong is swapped. */
  private static String mixed(int depth, int wrong) {
    StringBuilder sb = new StringBuilder();
    for (int k = 0; k < depth; k++) {
      sb.append(k % 3 == 0 ? "{\"k\":" : "[");
    }
    sb.append('1');
    for (int k = depth - 1, closed = 0; k >= 0; k--, closed++) {
      boolean object = k % 3 == 0;
      sb.append(object == (closed == wrong) ? ']' : '}');
    }
    return sb.toString();
  }

  private static void ok(String json) {
    assertThat(StrictJson.problem(json)).as(json).isNull();
  }

  private static void check(String json, String expected) {
    assertThat(StrictJson.problem(json))
        .as(json.length() > 80 ? json.substring(0, 80) + "..." : json)
        .isEqualTo(expected);
  }

  private static final String[] LINES = {
    "{\"player_id\": \"p-000123\", \"region\": \"eu-west-1\", \"Accept\": \"*/*\", \"Host\":"
        + " \"user1.comcast.com\", \"User-Agent\": \"ApacheBench/2.3\", \"event_type\":"
        + " \"purchase_sword\", \"timestamp\": \"2026-12-02 18:00:00.123\", \"amount\": 5,"
        + " \"price\": 12.5, \"currency\": \"USD\", \"ok\": true}",
    "{\"player_id\": \"p-000123\", \"region\": \"eu-west-1\", \"Accept\": \"*/*\", \"Host\":"
        + " \"user7.att.com\", \"User-Agent\": \"curl/8.5.0\", \"event_type\": \"join_guild\","
        + " \"timestamp\": \"2026-12-02 18:00:01.456\", \"guild\": {\"id\": 42, \"name\": \"Knights"
        + " of \\u00c9clair\"}, \"members\": 17}",
    "{\"player_id\": \"p-000123\", \"region\": \"eu-west-1\", \"Accept\": \"application/json\","
        + " \"Host\": \"user3.comcast.com\", \"User-Agent\": \"ApacheBench/2.3\", \"event_type\":"
        + " \"default\", \"timestamp\": \"2026-12-02 18:00:02.789\", \"session\": \"a1b2c3d4e5f6\","
        + " \"retries\": 0}",
    "{\"player_id\": \"p-000123\", \"region\": \"eu-west-1\", \"Accept\": \"*/*\", \"Host\":"
        + " \"user2.verizon.net\", \"User-Agent\": \"ApacheBench/2.3\", \"event_type\":"
        + " \"purchase_sword\", \"timestamp\": \"2026-12-02 18:00:03.012\", \"sword\": {\"kind\":"
        + " \"katana\", \"damage\": 1.25e2, \"tags\": [\"rare\", null]}}",
    "{\"player_id\": \"p-000123\", \"region\": \"eu-west-1\", \"Accept\": \"*/*\", \"Host\":"
        + " \"user9.comcast.com\", \"User-Agent\": \"Mozilla/5.0\", \"event_type\": \"level_up\","
        + " \"timestamp\": \"2026-12-02 18:00:04.345\", \"level\": 12, \"xp\": -340, \"note\":"
        + " \"line\\n"
        + "break \\\"quoted\\\"\", \"vip\": false}",
  };
}
