#pragma once

#include <QHash>
#include <QJsonObject>
#include <QList>
#include <QString>

#include <optional>

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
    void setIndexName(const QString& name) { m_indexName = name; }
    bool appliesTo(QStringView index) const { return m_indexName.isEmpty() || m_indexName == index; }

    int size() const { return static_cast<int>(m_records.size()); }
    bool isEmpty() const { return m_records.isEmpty(); }
    bool contains(const QString& objectID) const { return m_byObjectID.contains(objectID); }
    const Record* record(const QString& objectID) const;
    const QList<Record>& records() const { return m_records; }
    void addRecord(Record record);
    // Records whose objectID or title contains every word of `text` (case-insensitive), at most `limit`.
    QList<const Record*> search(const QString& text, int limit = 50) const;

private:
    QString m_indexName;
    QList<Record> m_records;
    QHash<QString, qsizetype> m_byObjectID;
};

struct IndexCatalog::LoadResult
{
    std::optional<IndexCatalog> catalog;
    QString error; // one line, when catalog is empty
    int skipped = 0;
};
