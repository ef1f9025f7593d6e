package io.lambdaflow.serving;

import io.lambdaflow.testkit.ViewStoreContract;

/** The default view store, Parquet folders under the storage root, keeps the lambda contract. */
class FolderStoreContractTest extends ViewStoreContract {
  @Override
  protected String storeSection() {
    return "store { type = folders, keep-published = 10 }";
  }
}
