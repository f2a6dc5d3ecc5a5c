#include "catalogset.h"

CatalogSet::CatalogSet(QObject* parent)
    : QObject(parent)
{}

CatalogSet::~CatalogSet() = default;

QString CatalogSet::samplePath()
{
    return QStringLiteral(":/sample/movies.json");
}

QString CatalogSet::sampleIndexName()
{
    return QStringLiteral("movies");
}

QString CatalogSet::loadSample()
{
    IndexCatalog::LoadResult result = IndexCatalog::fromFile(samplePath(), sampleIndexName());
    if (!result.catalog)
        return result.error.isEmpty() ? QStringLiteral("The sample index is missing") : result.error;
    add(std::move(*result.catalog));
    return {};
}

IndexCatalog::LoadResult CatalogSet::importFile(const QString& path, const QString& indexName)
{
    IndexCatalog::LoadResult result = IndexCatalog::fromFile(path, indexName);
    if (result.catalog) {
        result.catalog->setIndexName(indexName);
        add(*result.catalog);
    }
    return result;
}

void CatalogSet::add(IndexCatalog catalog)
{
    auto shared = std::make_shared<const IndexCatalog>(std::move(catalog));
    for (auto& existing : m_catalogs) {
        if (existing->indexName() == shared->indexName()) {
            existing = shared;
            Q_EMIT changed();
            return;
        }
    }
    m_catalogs.append(shared);
    Q_EMIT changed();
}

bool CatalogSet::remove(const QString& indexName)
{
    const auto removed = m_catalogs.removeIf([&](const std::shared_ptr<const IndexCatalog>& catalog) {
        return catalog->indexName() == indexName;
    });
    if (removed == 0)
        return false;
    Q_EMIT changed();
    return true;
}

std::shared_ptr<const IndexCatalog> CatalogSet::find(const QString& indexName) const
{
    for (const auto& catalog : m_catalogs) {
        if (catalog->indexName() == indexName)
            return catalog;
    }
    return nullptr;
}

QStringList CatalogSet::indexNames() const
{
    QStringList names;
    for (const auto& catalog : m_catalogs)
        names << catalog->indexName();
    return names;
}
