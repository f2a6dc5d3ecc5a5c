#include "templatestore.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSaveFile>

TemplateStore::TemplateStore(QString filePath)
    : m_filePath(std::move(filePath))
{
    load();
}

bool TemplateStore::save(const QString& name, const QByteArray& eventJson)
{
    if (name.trimmed().isEmpty())
        return false;
    m_templates.insert(name.trimmed(), eventJson);
    return write();
}

bool TemplateStore::remove(const QString& name)
{
    if (m_templates.remove(name) == 0)
        return false;
    return write();
}

void TemplateStore::load()
{
    QFile file(m_filePath);
    if (!file.open(QIODevice::ReadOnly))
        return;
    const QJsonObject root = QJsonDocument::fromJson(file.readAll()).object();
    for (auto it = root.begin(); it != root.end(); ++it) {
        if (it.value().isString())
            m_templates.insert(it.key(), it.value().toString().toUtf8());
    }
}

bool TemplateStore::write()
{
    QJsonObject root;
    // Each event is kept as its JSON text, not as a JSON object: QJsonObject would sort unknown fields and
    // re-print numbers, and a template must give back exactly the event that was saved.
    for (auto it = m_templates.cbegin(); it != m_templates.cend(); ++it)
        root.insert(it.key(), QString::fromUtf8(it.value()));
    QDir().mkpath(QFileInfo(m_filePath).absolutePath());
    QSaveFile file(m_filePath);
    if (!file.open(QIODevice::WriteOnly) || file.write(QJsonDocument(root).toJson()) < 0 || !file.commit()) {
        m_lastError = file.errorString();
        return false;
    }
    m_lastError.clear();
    return true;
}
