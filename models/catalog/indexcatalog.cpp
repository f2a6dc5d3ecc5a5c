#include "indexcatalog.h"

#include "datafolder/userfile.h"

#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonParseError>

namespace {

QString titleOf(const QJsonObject& object, const QString& objectID)
{
    for (const QLatin1String key : {QLatin1String("title"), QLatin1String("name"), QLatin1String("label")}) {
        const QJsonValue value = object.value(key);
        if (value.isString() && !value.toString().isEmpty())
            return value.toString();
    }
    return objectID;
}

// The objectID as a string; Algolia exports always carry strings, numbers are accepted for hand-made files.
QString objectIDOf(const QJsonObject& object)
{
    const QJsonValue id = object.value(QLatin1String("objectID"));
    if (id.isString())
        return id.toString();
    if (id.isDouble())
        return QString::number(id.toInteger());
    return {};
}

// A key for looking bytes up in a QHash<QByteArray, …> without copying them.
QByteArray rawBytes(std::string_view utf8)
{
    return QByteArray::fromRawData(utf8.data(), static_cast<qsizetype>(utf8.size()));
}

} // namespace

IndexCatalog::IndexCatalog(QString indexName)
{
    setIndexName(std::move(indexName));
}

void IndexCatalog::setIndexName(const QString& name)
{
    m_indexName = name;
    m_indexNameUtf8 = name.toUtf8();
}

bool IndexCatalog::appliesTo(std::string_view utf8Index) const
{
    return m_indexName.isEmpty() ||
           std::string_view(m_indexNameUtf8.constData(), static_cast<size_t>(m_indexNameUtf8.size())) ==
               utf8Index;
}

bool IndexCatalog::contains(std::string_view utf8ObjectID) const
{
    return m_byObjectID.contains(Utf8Key{rawBytes(utf8ObjectID)});
}

void IndexCatalog::addRecord(Record record)
{
    Utf8Key key{record.objectID.toUtf8()};
    const auto existing = m_byObjectID.constFind(key);
    if (existing != m_byObjectID.constEnd()) {
        m_records[*existing] = std::move(record);
        return;
    }
    m_byObjectID.insert(std::move(key), m_records.size());
    m_records.append(std::move(record));
}

const IndexCatalog::Record* IndexCatalog::record(const QString& objectID) const
{
    const auto it = m_byObjectID.constFind(Utf8Key{objectID.toUtf8()});
    return it == m_byObjectID.constEnd() ? nullptr : &m_records.at(*it);
}

QList<const IndexCatalog::Record*> IndexCatalog::search(const QString& text, int limit) const
{
    const QStringList words = text.split(QLatin1Char(' '), Qt::SkipEmptyParts);
    QList<const Record*> found;
    for (const Record& record : m_records) {
        bool all = true;
        for (const QString& word : words) {
            all = all && (record.objectID.contains(word, Qt::CaseInsensitive) ||
                          record.title.contains(word, Qt::CaseInsensitive));
        }
        if (all) {
            found.append(&record);
            if (found.size() >= limit)
                break;
        }
    }
    return found;
}

IndexCatalog::LoadResult IndexCatalog::fromJson(const QByteArray& data, const QString& indexName)
{
    LoadResult result;
    IndexCatalog catalog(indexName);
    auto addObject = [&](const QJsonValue& value) {
        const QJsonObject object = value.toObject();
        const QString id = objectIDOf(object);
        if (!value.isObject() || id.isEmpty()) {
            ++result.skipped;
            return;
        }
        catalog.addRecord(Record{id, titleOf(object, id), object});
    };

    QJsonParseError error{};
    const QJsonDocument document = QJsonDocument::fromJson(data, &error);
    if (error.error == QJsonParseError::NoError) {
        QJsonArray array;
        if (document.isArray())
            array = document.array();
        else if (document.object().value(QLatin1String("hits")).isArray())
            array = document.object().value(QLatin1String("hits")).toArray();
        else if (document.object().contains(QLatin1String("objectID")))
            array.append(document.object());
        else {
            result.error = QStringLiteral("expected a JSON array of records, {\"hits\":[…]}, or NDJSON");
            return result;
        }
        for (const QJsonValue& value : std::as_const(array))
            addObject(value);
    } else {
        // NDJSON: one record per line.
        int lineNumber = 0;
        for (const QByteArray& line : data.split('\n')) {
            ++lineNumber;
            if (line.trimmed().isEmpty())
                continue;
            QJsonParseError lineError{};
            const QJsonDocument record = QJsonDocument::fromJson(line, &lineError);
            if (lineError.error != QJsonParseError::NoError || !record.isObject()) {
                result.error =
                    QStringLiteral("line %1 is not a JSON record: %2")
                        .arg(lineNumber)
                        .arg(lineError.error != QJsonParseError::NoError ? lineError.errorString()
                                                                         : QStringLiteral("not an object"));
                return result;
            }
            addObject(record.object());
        }
    }
    if (catalog.isEmpty()) {
        result.error = QStringLiteral("no record with an objectID was found");
        return result;
    }
    result.catalog = std::move(catalog);
    return result;
}

IndexCatalog::LoadResult IndexCatalog::fromFile(const QString& path, const QString& indexName)
{
    const UserFile::ReadResult read = UserFile::read(path, kMaxFileBytes);
    if (!read.bytes) {
        LoadResult result;
        result.error = read.missing ? QStringLiteral("cannot read %1: no such file").arg(path) : read.problem;
        return result;
    }
    LoadResult result = fromJson(*read.bytes, indexName);
    if (!result.error.isEmpty())
        result.error = QFileInfo(path).fileName() + QStringLiteral(": ") + result.error;
    return result;
}
