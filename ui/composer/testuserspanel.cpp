#include "testuserspanel.h"

#include "users/testusermodel.h"

#include <QApplication>
#include <QCheckBox>
#include <QColor>
#include <QColorDialog>
#include <QFont>
#include <QHBoxLayout>
#include <QIdentityProxyModel>
#include <QInputDialog>
#include <QLabel>
#include <QListView>
#include <QMenu>
#include <QMessageBox>
#include <QPixmap>
#include <QPushButton>
#include <QStyle>
#include <QToolButton>
#include <QVBoxLayout>

namespace {

// Adds what the Core-only model cannot: a colour swatch, bold for the global user, a warning icon for
// tokens that look like personal data.
class TestUserDecorationModel final : public QIdentityProxyModel
{
public:
    using QIdentityProxyModel::QIdentityProxyModel;

    QVariant data(const QModelIndex& index, int role) const override
    {
        if (role == Qt::DecorationRole) {
            if (!index.data(TestUserModel::TokenIssuesRole).toString().isEmpty())
                return QApplication::style()->standardIcon(QStyle::SP_MessageBoxWarning);
            QPixmap swatch(12, 12);
            swatch.fill(QColor(index.data(TestUserModel::ColourRole).toString()));
            return swatch;
        }
        if (role == Qt::FontRole && index.data(TestUserModel::IsGlobalRole).toBool()) {
            QFont font;
            font.setBold(true);
            return font;
        }
        if (role == Qt::DisplayRole) {
            QString text = QIdentityProxyModel::data(index, role).toString();
            if (index.data(TestUserModel::AuthenticatedUserTokenRole).toString().isEmpty())
                text += QStringLiteral("  (anonymous)");
            else
                text += QStringLiteral("  (logged in)");
            if (index.data(TestUserModel::IsGlobalRole).toBool())
                text += QStringLiteral("  \u2605 global");
            return text;
        }
        return QIdentityProxyModel::data(index, role);
    }
};

} // namespace

TestUsersPanel::TestUsersPanel(TestUserModel* users, QWidget* parent)
    : QWidget(parent)
    , m_users(users)
{
    setObjectName(QStringLiteral("testUsersPanel"));
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    auto* title = new QLabel(tr("<b>Test users</b>"));
    layout->addWidget(title);

    m_list = new QListView;
    m_list->setObjectName(QStringLiteral("testUsersList"));
    auto* proxy = new TestUserDecorationModel(this);
    proxy->setSourceModel(users);
    m_list->setModel(proxy);
    m_list->setSelectionMode(QAbstractItemView::SingleSelection);
    m_list->setUniformItemSizes(true);
    layout->addWidget(m_list, 1);

    auto* buttons = new QHBoxLayout;
    auto button = [&](const QString& name, const QString& text, const QString& tip) {
        auto* b = new QToolButton;
        b->setObjectName(name);
        b->setText(text);
        b->setToolTip(tip);
        buttons->addWidget(b);
        return b;
    };
    QToolButton* create = button(QStringLiteral("newUserButton"), tr("New"),
                                 tr("A new anonymous test user (anonymous-<uuid>), Ctrl+Shift+N"));
    QToolButton* logIn = button(QStringLiteral("logInButton"), tr("Log in"),
                                tr("Set an authenticatedUserToken, as after a log-in"));
    QToolButton* logOut =
        button(QStringLiteral("logOutButton"), tr("Log out"), tr("Clear the authenticatedUserToken"));
    QToolButton* rotate = button(QStringLiteral("rotateButton"), tr("Rotate"),
                                 tr("A new anonymous token, as when cookies are cleared"));
    QToolButton* global = button(QStringLiteral("makeGlobalButton"), tr("Make global"),
                                 tr("Events without a per-event user carry this user's tokens"));
    QToolButton* remove = button(QStringLiteral("deleteUserButton"), tr("Delete"), tr("Delete the user"));
    // Less frequent actions in a menu, so that the panel stays narrow.
    QToolButton* more = button(QStringLiteral("moreUserActionsButton"), tr("More"), tr("Rename, colour"));
    more->setPopupMode(QToolButton::InstantPopup);
    auto* moreMenu = new QMenu(more);
    QAction* rename = moreMenu->addAction(tr("Rename…"));
    rename->setObjectName(QStringLiteral("renameUserMenuAction"));
    QAction* colour = moreMenu->addAction(tr("Colour…"));
    colour->setObjectName(QStringLiteral("colourUserMenuAction"));
    more->setMenu(moreMenu);
    buttons->addStretch(1);
    layout->addLayout(buttons);
    m_resetOnTarget = new QCheckBox(tr("Deleting also resets the user on the target (DELETE /1/usertokens)"));
    m_resetOnTarget->setObjectName(QStringLiteral("resetOnTargetCheck"));
    m_resetOnTarget->setEnabled(false);
    layout->addWidget(m_resetOnTarget);

    connect(create, &QToolButton::clicked, this, [this] { createUser(); });
    connect(rename, &QAction::triggered, this, &TestUsersPanel::renameSelected);
    connect(logIn, &QToolButton::clicked, this, &TestUsersPanel::logInSelected);
    connect(logOut, &QToolButton::clicked, this, &TestUsersPanel::logOutSelected);
    connect(rotate, &QToolButton::clicked, this, &TestUsersPanel::rotateSelected);
    connect(global, &QToolButton::clicked, this, &TestUsersPanel::makeSelectedGlobal);
    connect(remove, &QToolButton::clicked, this, &TestUsersPanel::deleteSelected);
    connect(colour, &QAction::triggered, this, [this] {
        const auto user = m_users->user(selectedUserId());
        if (!user)
            return;
        const QColor chosen =
            QColorDialog::getColor(QColor(user->colour), this, tr("Colour of %1").arg(user->label));
        if (chosen.isValid())
            m_users->setColour(user->id, chosen.name());
    });
    connect(m_list->selectionModel(), &QItemSelectionModel::currentChanged, this,
            [this] { Q_EMIT selectedUserChanged(selectedUserId()); });
}

TestUsersPanel::~TestUsersPanel() = default;

QString TestUsersPanel::selectedUserId() const
{
    return m_list->currentIndex().data(TestUserModel::IdRole).toString();
}

void TestUsersPanel::selectUser(const QString& id)
{
    const int row = m_users->rowOf(id);
    if (row >= 0)
        m_list->setCurrentIndex(m_list->model()->index(row, 0));
}

QString TestUsersPanel::createUser(const QString& label)
{
    const QString id = m_users->create(label);
    if (!m_users->globalUser())
        m_users->setGlobalUser(id); // the first user is the one events use
    selectUser(id);
    return id;
}

void TestUsersPanel::setRemoteResetAvailable(bool available)
{
    m_resetOnTarget->setEnabled(available);
    if (!available)
        m_resetOnTarget->setChecked(false);
}

void TestUsersPanel::renameSelected()
{
    const auto user = m_users->user(selectedUserId());
    if (!user)
        return;
    bool ok = false;
    const QString label =
        QInputDialog::getText(this, tr("Rename test user"), tr("Name:"), QLineEdit::Normal, user->label, &ok);
    if (ok)
        m_users->rename(user->id, label);
}

void TestUsersPanel::logInSelected()
{
    const auto user = m_users->user(selectedUserId());
    if (!user)
        return;
    bool ok = false;
    const QString token = QInputDialog::getText(
        this, tr("Log in %1").arg(user->label),
        tr("authenticatedUserToken (an opaque account ID, never an email address):"), QLineEdit::Normal,
        user->authenticatedUserToken.isEmpty()
            ? QStringLiteral("account-%1").arg(m_users->rowOf(user->id) + 1)
            : user->authenticatedUserToken,
        &ok);
    if (ok)
        m_users->logIn(user->id, token);
}

void TestUsersPanel::logOutSelected()
{
    m_users->logOut(selectedUserId());
}

void TestUsersPanel::rotateSelected()
{
    m_users->rotate(selectedUserId());
}

void TestUsersPanel::makeSelectedGlobal()
{
    m_users->setGlobalUser(selectedUserId());
}

void TestUsersPanel::deleteSelected()
{
    const auto user = m_users->user(selectedUserId());
    if (!user)
        return;
    QStringList tokens{user->userToken};
    if (user->isLoggedIn())
        tokens << user->authenticatedUserToken;
    const bool reset = m_resetOnTarget->isChecked();
    m_deleted = Deleted{*user, m_users->rowOf(user->id), m_users->globalUserId() == user->id};
    m_users->remove(user->id);
    Q_EMIT userDeleted(tokens, reset);
}

bool TestUsersPanel::undoDelete()
{
    if (!m_deleted)
        return false;
    const Deleted deleted = *std::exchange(m_deleted, std::nullopt);
    if (!m_users->restore(deleted.user, deleted.row, deleted.global))
        return false;
    selectUser(deleted.user.id);
    return true;
}
