package io.lambdaflow.registry;

import static java.util.Objects.requireNonNull;

import io.lambdaflow.layer.LayerFactory;
import io.lambdaflow.spi.PluginFactory;
import io.lambdaflow.spi.SinkFactory;
import io.lambdaflow.spi.SourceFactory;
import io.lambdaflow.spi.TransformFactory;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Every plugin factory on the classpath, found with {@link ServiceLoader} and selected by short
 * type name. A plugin jar on the classpath is all it takes; there is no list to edit.
 */
public final class PluginRegistry {
  private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9]*(-[a-z0-9]+)*");

  private final Map<PluginKind, Map<String, PluginFactory>> factories;

  private PluginRegistry(Map<PluginKind, Map<String, PluginFactory>> factories) {
    this.factories = factories;
  }

  /**
   * Discovers every factory visible to {@code classLoader}.
   *
   * @throws IllegalStateException if two factories of one kind share a name, a name is not a
   *     lower-case hyphenated word, or a factory cannot be instantiated
   */
  public static PluginRegistry discover(ClassLoader classLoader) {
    requireNonNull(classLoader, "classLoader is null");
    Map<PluginKind, Map<String, PluginFactory>> found = new EnumMap<>(PluginKind.class);
    for (PluginKind kind : PluginKind.values()) {
      Map<String, PluginFactory> byName = new TreeMap<>();
      try {
        for (PluginFactory factory : ServiceLoader.load(kind.factoryType(), classLoader)) {
          register(kind, byName, factory);
        }
      } catch (ServiceConfigurationError e) {
        throw new IllegalStateException(
            "cannot load a " + kind.label() + " plugin: " + e.getMessage(), e);
      }
      found.put(kind, Collections.unmodifiableMap(byName));
    }
    return new PluginRegistry(found);
  }

  /** A registry of exactly these factories, for tests and embedding. */
  public static PluginRegistry of(List<? extends PluginFactory> all) {
    Map<PluginKind, Map<String, PluginFactory>> none = new EnumMap<>(PluginKind.class);
    for (PluginKind kind : PluginKind.values()) {
      none.put(kind, Map.of());
    }
    return new PluginRegistry(none).plus(all);
  }

  /**
   * This registry and {@code more}: plugin instances registered by an embedding application.
   *
   * @throws IllegalStateException if one of {@code more} has the name of another class's plugin
   */
  public PluginRegistry plus(List<? extends PluginFactory> more) {
    Map<PluginKind, Map<String, PluginFactory>> found = new EnumMap<>(PluginKind.class);
    for (PluginKind kind : PluginKind.values()) {
      Map<String, PluginFactory> byName = new TreeMap<>(factories.get(kind));
      for (PluginFactory factory : more) {
        if (kind.factoryType().isInstance(factory)) {
          register(kind, byName, factory);
        }
      }
      found.put(kind, Collections.unmodifiableMap(byName));
    }
    return new PluginRegistry(found);
  }

  private static void register(
      PluginKind kind, Map<String, PluginFactory> byName, PluginFactory factory) {
    String name = factory.name();
    if (name == null || !NAME.matcher(name).matches()) {
      throw new IllegalStateException(
          kind.label()
              + " plugin "
              + factory.getClass().getName()
              + " has name '"
              + name
              + "'; names are lower-case words joined by hyphens, such as 'parse-json'");
    }
    PluginFactory previous = byName.put(name, factory);
    if (previous != null && previous.getClass() != factory.getClass()) {
      throw new IllegalStateException(
          "two "
              + kind.label()
              + " plugins are named '"
              + name
              + "': "
              + previous.getClass().getName()
              + " and "
              + factory.getClass().getName()
              + "; remove one jar from the classpath");
    }
  }

  /** The factory of that kind and name, if any. */
  public Optional<PluginFactory> find(PluginKind kind, String name) {
    return Optional.ofNullable(factories.get(kind).get(name));
  }

  /** Every factory of a kind, by name, sorted. */
  public Map<String, PluginFactory> all(PluginKind kind) {
    return factories.get(kind);
  }

  public Optional<SourceFactory> source(String name) {
    return find(PluginKind.SOURCE, name).map(SourceFactory.class::cast);
  }

  public Optional<TransformFactory> transform(String name) {
    return find(PluginKind.TRANSFORM, name).map(TransformFactory.class::cast);
  }

  public Optional<SinkFactory> sink(String name) {
    return find(PluginKind.SINK, name).map(SinkFactory.class::cast);
  }

  public Optional<LayerFactory> layer(String name) {
    return find(PluginKind.LAYER, name).map(LayerFactory.class::cast);
  }
}
