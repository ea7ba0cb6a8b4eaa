"""Strings of the page address (links) and of lessons."""

STRINGS = {
    "addr.copy": {"en": "Copy link", "zh": "复制链接"},
    "addr.copied": {"en": "Copied", "zh": "已复制"},
    "addr.select": {"en": "Select the address below and copy it", "zh": "请选中下面的地址并复制"},
    "addr.help": {"en": "The link reopens this page exactly as it is now: image, model and every control.",
                  "zh": "该链接会原样重新打开本页：图像、模型和每个控件。"},
    "addr.no_upload": {"en": "An uploaded image cannot travel in a link: the link opens the gallery photo instead.",
                       "zh": "上传的图像无法随链接传递：打开链接时将显示图库照片。"},
    "addr.unknown": {"en": "The link's `{name}={value}` is not part of this page: ignored.",
                     "zh": "链接中的 `{name}={value}` 不属于本页：已忽略。"},
    "addr.bad": {"en": "The link's `{name}={value}` does not fit ({expected}): the default is used.",
                 "zh": "链接中的 `{name}={value}` 不合适（应为 {expected}）：改用默认值。"},
    # lessons
    "nav.lesson": {"en": "Lessons", "zh": "课程"},
    "lesson.title": {"en": "Lessons", "zh": "课程"},
    "lesson.intro": {"en": "A lesson walks through the pages in a fixed order: each step opens a page in a prepared "
                           "state and says what to look for. Move with **Next** / **Previous**, or the keyboard: "
                           "→ / ← and Page Down / Page Up (what presentation clickers send). Every step's address "
                           "reopens it in another browser.",
                     "zh": "课程按固定顺序带你浏览各页：每一步以准备好的状态打开一个页面，并说明要观察什么。"
                           "用 **下一步** / **上一步** 或键盘移动：→ / ← 以及 Page Down / Page Up（演示翻页器发送的按键）。"
                           "每一步的地址都能在另一个浏览器中重新打开它。"},
    "lesson.choose": {"en": "Lesson", "zh": "课程"},
    "lesson.steps": {"en": "Steps", "zh": "步骤"},
    "lesson.start": {"en": "Start the lesson", "zh": "开始课程"},
    "lesson.open_step": {"en": "Open", "zh": "打开"},
    "lesson.none": {"en": "No lesson files found in assets/lessons.", "zh": "在 assets/lessons 中没有找到课程文件。"},
    "lesson.broken": {"en": "A lesson file has a problem and is not offered: {error}",
                      "zh": "一个课程文件有问题，未列出：{error}"},
    "lesson.step_of": {"en": "Step {i} of {n}", "zh": "第 {i} 步，共 {n} 步"},
    "lesson.look": {"en": "What to look for", "zh": "观察要点"},
    "lesson.question": {"en": "Question for the class", "zh": "课堂提问"},
    "lesson.next": {"en": "Next", "zh": "下一步"},
    "lesson.prev": {"en": "Previous", "zh": "上一步"},
    "lesson.close": {"en": "Leave the lesson", "zh": "退出课程"},
    "lesson.keys": {"en": "Keys: → / ← or Page Down / Page Up", "zh": "按键：→ / ← 或 Page Down / Page Up"},
    "lesson.unknown": {"en": "The link names a lesson that does not exist here (`{name}`).",
                       "zh": "链接中的课程在此不存在（`{name}`）。"},
    "lesson.write": {"en": "Write your own: a YAML file in `assets/lessons/` (see the README); check it with "
                           "`python -m vizcore lesson check FILE`.",
                     "zh": "自己编写：在 `assets/lessons/` 中放一个 YAML 文件（见 README），用 "
                           "`python -m vizcore lesson check FILE` 检查。"},
}
