# R's reference for rglm's formula front end: for each case, a CSV of the data exactly as
# Python reads it, and a JSON of what R's model.matrix and glm give (the format of the shared
# R battery, plus the model matrix and predictions on new rows).
# Run from this directory: Rscript make_reference.R
suppressMessages({library(MASS); library(jsonlite); library(splines)})
invisible(Sys.setlocale("LC_COLLATE", "C"))
dir.create("data", showWarnings = FALSE)
dir.create("cases", showWarnings = FALSE)

unorder <- function(d) { for (n in names(d)) if (is.factor(d[[n]])) d[[n]] <- as.character(d[[n]]); d }

datasets <- list()
mt <- mtcars; rownames(mt) <- NULL
datasets$mtcars <- mt
mtl <- mt; mtl$big <- mtl$hp > 150
datasets$mtcars_lgl <- mtl
datasets$mtspace <- data.frame(mpg = mt$mpg, `car weight` = mt$wt, `horse power` = mt$hp, check.names = FALSE)
datasets$trees <- trees
datasets$warpbreaks <- unorder(warpbreaks)
datasets$housing <- unorder(housing)
datasets$toothgrowth <- unorder(ToothGrowth)
datasets$cars <- cars
datasets$dobson <- data.frame(counts = c(18,17,15,20,10,20,25,13,12), outcome = rep(1:3, 3), treatment = rep(1:3, each = 3))
datasets$ships <- subset(ships, service > 0)
datasets$airquality <- airquality
for (n in names(datasets)) write.csv(datasets[[n]], file.path("data", paste0(n, ".csv")), row.names = FALSE, na = "")
ordered_levels <- list(housing = list(Sat = c("Low", "Medium", "High")))
load_data <- function(n) {
  d <- read.csv(file.path("data", paste0(n, ".csv")), stringsAsFactors = TRUE, check.names = FALSE)
  for (col in names(ordered_levels[[n]])) d[[col]] <- factor(d[[col]], levels = ordered_levels[[n]][[col]], ordered = TRUE)
  d
}

num <- function(x) { x <- unname(as.numeric(x)); x[!is.finite(x)] <- NA; x }

case <- function(id, data, r, family = "gaussian()", py_family = "Gaussian", py = r, contrasts = NULL,
                 weights = NULL, newdata = NULL, warns = NULL) {
  list(id = id, data = data, r = r, py = py, family = family, py_family = py_family, contrasts = contrasts,
       weights = weights, newdata = newdata, warns = warns)
}

wb <- "warpbreaks"
cases <- list(
  case("dot_mtcars", "mtcars", "mpg ~ ."),
  case("dot_minus_trees", "trees", "log(Volume) ~ . - Height"),
  case("dot_plus_log_trees", "trees", "Volume ~ . - Height + log(Height)"),
  case("dot_offset_ships", "ships", "incidents ~ . + offset(log(service))", "poisson()", "Poisson"),
  case("dot_weights_mtcars", "mtcars", "mpg ~ . - cyl - disp", weights = "wt"),
  case("power_in_I_mtcars", "mtcars", "mpg ~ hp + I(hp^2)", newdata = list(hp = c(80, 150.5, 300))),
  case("cube_mtcars", "mtcars", "mpg ~ (wt + hp + qsec)^2"),
  case("in_warpbreaks", wb, "breaks ~ tension %in% wool", "poisson()", "Poisson"),
  case("nest_warpbreaks", wb, "breaks ~ wool/tension", "poisson()", "Poisson"),
  case("no_margins_warpbreaks", wb, "breaks ~ wool:tension", "poisson()", "Poisson"),
  case("no_intercept_warpbreaks", wb, "breaks ~ 0 + wool + tension", "poisson()", "Poisson"),
  case("cross_minus_one_warpbreaks", wb, "breaks ~ wool*tension - 1", "poisson()", "Poisson"),
  case("cross_minus_main_warpbreaks", wb, "breaks ~ wool*tension - wool", "poisson()", "Poisson"),
  case("order_housing", "housing", "Freq ~ Infl + Sat + Sat:Infl", "poisson()", "Poisson"),
  case("big_housing", "housing", "Freq ~ Infl*Type*Cont + Sat*(Infl + Type + Cont)", "poisson()", "Poisson"),
  case("square_housing", "housing", "Freq ~ (Infl + Type + Cont)^2", "poisson()", "Poisson"),
  case("no_margins_toothgrowth", "toothgrowth", "len ~ supp:factor(dose)"),
  case("contrasts_warpbreaks", wb, "breaks ~ wool + tension", "poisson()", "Poisson",
       contrasts = list(tension = "contr.sum", wool = "contr.helmert")),
  case("contrasts_sas_poly_warpbreaks", wb, "breaks ~ wool * tension", "poisson()", "Poisson",
       contrasts = list(tension = "contr.SAS", wool = "contr.poly")),
  case("relevel_warpbreaks", wb, "breaks ~ relevel(tension, ref = \"M\") + wool", "poisson()", "Poisson"),
  case("C_warpbreaks", wb, "breaks ~ C(tension, sum) + C(wool, helmert)", "poisson()", "Poisson"),
  case("ordered_call_warpbreaks", wb, "breaks ~ ordered(tension, levels = c(\"L\", \"M\", \"H\")) * wool",
       "poisson()", "Poisson"),
  case("ns_cars", "cars", "dist ~ ns(speed, df = 3)", newdata = list(speed = c(2, 10.5, 30))),
  case("ns_knots_cars", "cars", "dist ~ 0 + ns(speed, knots = c(10, 15), Boundary.knots = c(5, 22), intercept = TRUE)",
       newdata = list(speed = c(2, 10.5, 30))),
  case("bs_cars", "cars", "dist ~ bs(speed, df = 5)", newdata = list(speed = c(2, 10.5, 30))),
  case("poly_cars", "cars", "dist ~ poly(speed, 3)", newdata = list(speed = c(2, 10.5, 30))),
  case("poly_raw_cars", "cars", "dist ~ poly(speed, 2, raw = TRUE)", newdata = list(speed = c(2, 10.5, 30))),
  case("scale_cars", "cars", "dist ~ scale(speed)", newdata = list(speed = c(2, 10.5, 30))),
  case("two_offsets_ships", "ships", "incidents ~ type + factor(period) + offset(log(service)) + offset(year/10)",
       "poisson()", "Poisson"),
  case("logical_mtcars", "mtcars_lgl", "mpg ~ wt * big + I(qsec > 18)"),
  case("numeric_by_factor_mtcars", "mtcars", "mpg ~ wt + factor(cyl):wt"),
  case("poly_by_factor_mtcars", "mtcars", "mpg ~ poly(wt, 2) * factor(am)"),
  case("dotted_names_airquality", "airquality", "Ozone ~ Solar.R + Wind + I(Temp^2)"),
  case("spaces_mtspace", "mtspace", "mpg ~ `car weight` * `horse power`"),
  case("no_intercept_no_margins_warpbreaks", wb, "breaks ~ 0 + wool:tension", "poisson()", "Poisson"),
  case("half_margin_warpbreaks", wb, "breaks ~ tension + wool:tension", "poisson()", "Poisson"),
  case("in_with_main_warpbreaks", wb, "breaks ~ wool + tension %in% wool", "poisson()", "Poisson"),
  case("ordered_no_intercept_housing", "housing", "Freq ~ Sat * Infl - 1", "poisson()", "Poisson"),
  case("ordered_treatment_housing", "housing", "Freq ~ Sat + Infl", "poisson()", "Poisson",
       contrasts = list(Sat = "contr.treatment", Infl = "contr.SAS")),
  case("dot_factor_housing", "housing", "log(Freq) ~ . - Cont"),
  case("numeric_margin_mtcars", "mtcars", "mpg ~ factor(cyl) + wt:factor(am)"),
  case("power_interaction_toothgrowth", "toothgrowth", "len ~ supp * dose + I(dose^2):supp"),
  case("relevel_factor_mtcars", "mtcars", "mpg ~ relevel(factor(cyl), ref = \"6\") + wt"),
  case("poly_keywords_mtcars", "mtcars", "mpg ~ poly(wt, degree = 2, raw = TRUE) + log(disp, base = 10) + sqrt(hp)",
       newdata = list(wt = c(2.5, 3), disp = c(100, 200), hp = c(90, 150))),
  case("cross_three_mtcars", "mtcars", "mpg ~ wt * factor(am) * factor(vs) - wt:factor(am):factor(vs)"),
  case("minus_intercept_then_plus_warpbreaks", wb, "breaks ~ wool - 1 + tension + 1", "poisson()", "Poisson"),
  case("dot_minus_keeps_rows_airquality", "airquality", "Ozone ~ . - Solar.R"),
  case("formulaic_C_is_factor_dobson", "dobson", "counts ~ factor(outcome) + factor(treatment)", "poisson()", "Poisson",
       py = "counts ~ C(outcome) + C(treatment)")
)

for (cs in cases) {
  d <- load_data(cs$data)
  f <- as.formula(cs$r)
  wexpr <- if (is.null(cs$weights)) "" else paste0(", weights = ", cs$weights)
  cexpr <- if (is.null(cs$contrasts)) "" else paste0(", contrasts = ", paste(deparse(cs$contrasts), collapse = ""))
  call_txt <- paste0("glm(", cs$r, ", family = ", cs$family, ", data = d", wexpr, cexpr, ")")
  warns <- character()
  env <- list2env(list(d = d))
  m <- withCallingHandlers(eval(parse(text = call_txt), env),
                           warning = function(w) { warns <<- c(warns, conditionMessage(w)); invokeRestart("muffleWarning") })
  X <- model.matrix(m)
  s <- summary(m)
  cf <- coef(m)
  tab <- s$coefficients
  se <- rep(NA_real_, length(cf)); names(se) <- names(cf); st <- se; pv <- se
  se[rownames(tab)] <- tab[, 2]; st[rownames(tab)] <- tab[, 3]; pv[rownames(tab)] <- tab[, 4]
  nd <- d[seq_len(min(5, nrow(d))), , drop = FALSE]
  pl <- predict(m, newdata = nd, type = "link", se.fit = TRUE)
  pr <- predict(m, newdata = nd, type = "response", se.fit = TRUE)
  newdata <- NULL
  if (!is.null(cs$newdata)) {
    nd2 <- as.data.frame(cs$newdata)
    pw <- character()
    l2 <- withCallingHandlers(predict(m, newdata = nd2, type = "link", se.fit = TRUE),
                              warning = function(w) { pw <<- c(pw, conditionMessage(w)); invokeRestart("muffleWarning") })
    r2 <- suppressWarnings(predict(m, newdata = nd2, type = "response", se.fit = TRUE))
    newdata <- list(rows = cs$newdata, predict_link = num(l2$fit), predict_link_se = num(l2$se.fit),
                    predict_response = num(r2$fit), predict_response_se = num(r2$se.fit), warnings = pw)
  }
  av <- tryCatch({
    a <- anova(m, test = "Chisq")
    list(terms = rownames(a), df = num(a$Df), deviance = num(a$Deviance), resid_df = num(a[["Resid. Df"]]),
         resid_dev = num(a[["Resid. Dev"]]), p = num(a[, ncol(a)]), test = "Chisq")
  }, error = function(e) NULL)
  ci_wald <- confint.default(m)
  ref <- list(
    call = call_txt, warnings = warns,
    term_labels = attr(terms(m), "term.labels"),
    model_matrix = list(colnames = colnames(X), columns = lapply(seq_len(ncol(X)), function(j) num(X[, j]))),
    coef_names = names(cf), coef = num(cf), se = num(se), stat = num(st), p = num(pv),
    aliased = unname(is.na(cf)), stat_name = colnames(tab)[3],
    deviance = deviance(m), null_deviance = m$null.deviance, df_residual = m$df.residual, df_null = m$df.null,
    aic = num(AIC(m)), bic = num(BIC(m)), loglik = num(logLik(m)), dispersion = s$dispersion, iter = m$iter,
    nobs = nobs(m),
    fitted = num(fitted(m)), linear_predictors = num(m$linear.predictors),
    resid_deviance = num(residuals(m, "deviance")), resid_pearson = num(residuals(m, "pearson")),
    resid_working = num(residuals(m, "working")), resid_response = num(residuals(m, "response")),
    hat = num(hatvalues(m)), cooks = num(cooks.distance(m)), rstandard = num(rstandard(m)),
    predict_rows = seq_len(nrow(nd)) - 1,
    predict_link = num(pl$fit), predict_link_se = num(pl$se.fit),
    predict_response = num(pr$fit), predict_response_se = num(pr$se.fit),
    vcov = unname(vcov(m)),
    confint_wald = list(lower = num(ci_wald[, 1]), upper = num(ci_wald[, 2])),
    anova = av, newdata = newdata,
    summary_text = paste(capture.output(print(s)), collapse = "\n")
  )
  py <- list(formula = cs$py, family = cs$py_family, weights = cs$weights, contrasts = cs$contrasts,
             ordered = ordered_levels[[cs$data]], names_r = TRUE, data = paste0("data/", cs$data, ".csv"))
  writeLines(toJSON(list(id = cs$id, r = ref, python = py), auto_unbox = TRUE, digits = NA, null = "null",
                    na = "null", pretty = FALSE),
             file.path("cases", paste0(cs$id, ".json")))
  cat(sprintf("%-32s p=%d dev=%.6g warn=%d\n", cs$id, length(cf), deviance(m), length(warns)))
}
