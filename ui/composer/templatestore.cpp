#include "templatestore.h"

#include "datafolder/userfile.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QJsonParseError>

namespace {

// Templates are single events: a file this large is not one of ours.
constexpr qint64 kMaxFileBytes = 64 * 1024 * 1024;

} // namespace

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
    const UserFile::ReadResult read = UserFile::read(m_filePath, kMaxFileBytes);
    if (read.missing)
        return;
    if (!read.bytes) {
        m_loadProblem = read.problem + QStringLiteral("; templates will not be saved until it can be read");
        m_saveRefused = true;
        UserFile::report(m_loadProblem);
        return;
    }
    QJsonParseError parseError{};
    const QJsonDocument document = QJsonDocument::fromJson(*read.bytes, &parseError);
    if (parseError.error != QJsonParseError::NoError || !document.isObject()) {
        const QString why =
            parseError.error != QJsonParseError::NoError
                ? QStringLiteral("%1 at byte %2").arg(parseError.errorString()).arg(parseError.offset)
                : QStringLiteral("not a JSON object of named templates");
        const UserFile::SetAside aside = UserFile::setAside(m_filePath, why);
        m_loadProblem = aside.message;
        m_saveRefused = aside.keptAs.isEmpty();
        return;
    }
    const QJsonObject root = document.object();
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
    if (m_saveRefused) {
        m_lastError = m_loadProblem;
        return false;
    }
    m_lastError = UserFile::writeAtomically(m_filePath, QJsonDocument(root).toJson());
    return m_lastError.isEmpty();
}
