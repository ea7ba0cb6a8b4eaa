"""One view function per page: (model, image, control values) -> a plain view object.

Each page has a module here whose function takes plain values (the model object, the pixels and the RGB
view the model sees, control values) and returns a frozen dataclass of arrays, tables (lists of dicts),
numbers and the values its captions format. No Streamlit, no translation and no drawing here: the page
translates, and ``vizcore.plots`` draws the arrays with the label strings the page passes. Unit-tested
without Streamlit.
"""
