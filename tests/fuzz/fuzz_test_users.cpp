// Fuzzes the test-users file reader (models/users, testusers.json in the data folder): any file content loads
// to users with unique ids and a token each, or to an error; what the model then saves reads back the same.
#include "fuzzcheck.h"

#include "users/testusermodel.h"

#include <QFile>
#include <QSet>
#include <QTemporaryDir>

namespace {

QString filePath()
{
    static QTemporaryDir dir;
    return dir.filePath(QStringLiteral("testusers.json"));
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    const QString path = filePath();
    {
        QFile file(path);
        FUZZ_CHECK(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
        FUZZ_CHECK(file.write(reinterpret_cast<const char*>(data), static_cast<qint64>(size)) ==
                   static_cast<qint64>(size));
    }
    TestUserModel model(path);
    QSet<QString> ids;
    for (const TestUser& user : model.users()) {
        FUZZ_CHECK(!user.id.isEmpty());
        FUZZ_CHECK(!ids.contains(user.id));
        ids.insert(user.id);
        FUZZ_CHECK(!user.userToken.isEmpty());
        FUZZ_CHECK(!user.colour.isEmpty());
    }
    FUZZ_CHECK(model.globalUserId().isEmpty() || ids.contains(model.globalUserId()));
    for (int row = 0; row < model.rowCount(); ++row) {
        const QModelIndex index = model.index(row);
        for (const int role : {static_cast<int>(Qt::DisplayRole), static_cast<int>(Qt::ToolTipRole),
                               static_cast<int>(TestUserModel::TokenIssuesRole)})
            (void)model.data(index, role);
    }
    if (model.users().isEmpty() || !model.lastError().isEmpty())
        return 0;
    // A change saves the file; a fresh model reads back what was saved.
    const TestUser first = model.users().constFirst();
    FUZZ_CHECK(model.rename(first.id, first.label + QStringLiteral(" (renamed)")));
    FUZZ_CHECK(model.lastError().isEmpty());
    TestUserModel reread(path);
    FUZZ_CHECK(reread.lastError().isEmpty());
    FUZZ_CHECK(reread.users() == model.users());
    FUZZ_CHECK(reread.globalUserId() == model.globalUserId());
    return 0;
}
