// Fuzzes the index catalog reader (models/catalog): a records file (JSON array, {"hits":[…]}, one record or
// NDJSON) gives a catalog whose every record can be found by its objectID, or a one-line error.
#include "fuzzcheck.h"

#include "catalog/indexcatalog.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    const QByteArray bytes = fuzzBytes(data, size).toByteArray();
    const IndexCatalog::LoadResult result = IndexCatalog::fromJson(bytes, QStringLiteral("movies"));
    FUZZ_CHECK(result.catalog.has_value() == result.error.isEmpty());
    FUZZ_CHECK(result.skipped >= 0);
    if (!result.catalog)
        return 0;
    const IndexCatalog& catalog = *result.catalog;
    FUZZ_CHECK(!catalog.isEmpty());
    for (const IndexCatalog::Record& record : catalog.records()) {
        FUZZ_CHECK(!record.objectID.isEmpty());
        FUZZ_CHECK(catalog.contains(record.objectID));
        FUZZ_CHECK(catalog.record(record.objectID) != nullptr);
        FUZZ_CHECK(!record.title.isEmpty());
    }
    // A picker's search with the first record's title: bounded, and every hit is a record of the catalog.
    const QList<const IndexCatalog::Record*> hits = catalog.search(catalog.records().constFirst().title, 5);
    FUZZ_CHECK(hits.size() <= 5);
    for (const IndexCatalog::Record* hit : hits)
        FUZZ_CHECK(catalog.contains(hit->objectID));
    return 0;
}
