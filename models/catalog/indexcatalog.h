#pragma once

#include <QByteArray>
#include <QHash>
#include <QJsonObject>
#include <QList>
#include <QString>

#include <functional>
#include <optional>
#include <string_view>

// The records of one index, as far as the debugger needs them: objectIDs for the "not in the index" warning,
// a title for pickers, and attributes for profile estimates. Loaded from a records file (a JSON array or
// NDJSON of objects with `objectID`, such as an Algolia index export) or the bundled sample.
class IndexCatalog
{
public:
    struct Record
    {
        QString objectID;
        QString title; // the first of title/name/label found, else the objectID
        QJsonObject attributes;
    };

    struct LoadResult; // defined below

    IndexCatalog() = default;
    explicit IndexCatalog(QString indexName);

    // Reads records from bytes (JSON array, {"hits":[…]} or NDJSON). Records without a string objectID are
    // counted in `skipped`.
    static LoadResult fromJson(const QByteArray& data, const QString& indexName = {});
    // Reads a records file; refuses what is not a regular file (a folder, a FIFO, /dev/zero) and files over
    // kMaxFileBytes, with a message naming the file, before reading anything.
    static LoadResult fromFile(const QString& path, const QString& indexName = {});
    // 512 MB: well above a large index export, below what would exhaust a desktop's memory once parsed.
    static constexpr qint64 kMaxFileBytes = 512LL * 1024 * 1024;

    const QString& indexName() const { return m_indexName; }
    void setIndexName(const QString& name);
    bool appliesTo(QStringView index) const { return m_indexName.isEmpty() || m_indexName == index; }
    // The same for an index name as UTF-8 bytes (the ingest path's views): no QString built.
    bool appliesTo(std::string_view utf8Index) const;

    int size() const { return static_cast<int>(m_records.size()); }
    bool isEmpty() const { return m_records.isEmpty(); }
    bool contains(const QString& objectID) const { return record(objectID) != nullptr; }
    // The same for an objectID as (decoded) UTF-8 bytes, looked up without a copy or an allocation.
    bool contains(std::string_view utf8ObjectID) const;
    const Record* record(const QString& objectID) const;
    const QList<Record>& records() const { return m_records; }
    void addRecord(Record record);
    // Records whose objectID or title contains every word of `text` (case-insensitive), at most `limit`.
    QList<const Record*> search(const QString& text, int limit = 50) const;

private:
    QString m_indexName;
    QByteArray m_indexNameUtf8;
    QList<Record> m_records;
    // An objectID's UTF-8 bytes, so that the ingest path looks up the parser's bytes as they are
    // (QByteArray::fromRawData: no copy); the QString API converts once per call. Hashed with the standard
    // library's string hash: Qt 6.4's qHash(QByteArray) costs several times more on short keys.
    struct Utf8Key
    {
        QByteArray bytes;
        bool operator==(const Utf8Key& other) const { return bytes == other.bytes; }
        friend size_t qHash(const Utf8Key& key, size_t seed) noexcept
        {
            return std::hash<std::string_view>{}(
                       std::string_view(key.bytes.constData(), static_cast<size_t>(key.bytes.size()))) ^
                   seed;
        }
    };
    QHash<Utf8Key, qsizetype> m_byObjectID;
};

struct IndexCatalog::LoadResult
{
    std::optional<IndexCatalog> catalog;
    QString error; // one line, when catalog is empty
    int skipped = 0;
};
