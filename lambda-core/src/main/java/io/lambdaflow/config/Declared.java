package io.lambdaflow.config;

import java.util.List;

/** A node of the pipeline graph as declared: its name, what it reads, and where it was written. */
record Declared(String name, List<String> inputs, String location, String path) {}
