package io.lambdaflow.plugins.files;

/** The file formats Spark reads and writes without extra packages (Avro through spark-avro). */
final class FileFormats {
  static final String[] READABLE = {"json", "csv", "parquet", "avro", "text", "orc"};
  static final String[] WRITABLE = {"parquet", "json", "csv", "avro", "orc", "text"};

  private FileFormats() {}
}
