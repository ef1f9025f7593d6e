/**
 * Hadoop's local file system without a process per file: Hadoop sets the permissions of every file
 * and folder it creates on the local disk, and resolves links, by running {@code chmod} and {@code
 * readlink} when its native library is absent (as it is here). {@link
 * io.lambdaflow.hadoop.NioLocalFileSystem} and {@link io.lambdaflow.hadoop.NioRawLocalFs} do the
 * same through Java's file API; {@code reference.conf} makes them the {@code file:} scheme's file
 * systems.
 */
package io.lambdaflow.hadoop;
