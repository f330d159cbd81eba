//! The UI string catalog, Korean first and English second.

/// A UI language.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    /// 한국어 (default).
    Ko,
    /// English.
    En,
}

impl Lang {
    /// The BCP 47 tag for `<html lang>`.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::Ko => "ko",
            Lang::En => "en",
        }
    }

    /// Parses a stored tag; anything unknown is Korean.
    pub fn from_tag(tag: &str) -> Lang {
        if tag == "en" { Lang::En } else { Lang::Ko }
    }

    /// The other language.
    pub fn toggled(self) -> Lang {
        match self {
            Lang::Ko => Lang::En,
            Lang::En => Lang::Ko,
        }
    }
}

/// Every UI string, by key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Key {
    /// Site title.
    Title,
    /// Breadcrumb.
    Breadcrumb,
    /// Lab heading.
    LabHeading,
    /// Lab intro text.
    LabIntro,
    /// Editor label.
    Manifest,
    /// Apply button.
    Apply,
    /// Reset-to-lesson button.
    Reset,
    /// Play button.
    Play,
    /// Pause button.
    Pause,
    /// Step button.
    Step,
    /// Rewind button.
    Rewind,
    /// Simulated time label.
    Time,
    /// Pods heading.
    Pods,
    /// Events heading.
    Events,
    /// No pods.
    NoPods,
    /// No events.
    NoEvents,
    /// Button that switches to the other language.
    OtherLanguage,
    /// Crash banner text.
    Crashed,
    /// Crash banner button.
    CrashReset,
    /// Unknown route.
    NotFound,
    /// Nothing more will happen.
    Idle,
    /// Scenario picker label.
    Scenario,
    /// The nginx-pod scenario.
    ScenarioNginx,
    /// The liveness-http scenario.
    ScenarioLivenessHttp,
    /// Pod name button: what clicking it does.
    SelectPod,
    /// Heading of the selected pod's views.
    SelectedPod,
    /// No pod to show.
    NoPodSelected,
    /// Status and conditions panel heading.
    Conditions,
    /// Pod phase label.
    Phase,
    /// QoS class label.
    QosClass,
    /// Pod IP label.
    PodIp,
    /// Node label.
    NodeLabel,
    /// Condition table: type column.
    ConditionType,
    /// Condition table: status column.
    ConditionStatus,
    /// Reason column.
    Reason,
    /// Message column.
    Message,
    /// Condition table: lastTransitionTime column.
    LastTransition,
    /// The pod has no conditions yet.
    NoConditions,
    /// Container statuses heading.
    ContainerStatuses,
    /// Container column or label.
    Container,
    /// Container state column.
    State,
    /// Ready column.
    Ready,
    /// Started column.
    Started,
    /// Restart count column.
    RestartCount,
    /// Last state column.
    LastState,
    /// No container statuses yet.
    NoContainerStatuses,
    /// Probe timeline heading.
    ProbeTimeline,
    /// A container without probes.
    NoProbes,
    /// A probe that has not run yet.
    NoAttempts,
    /// Summary of the attempts table.
    AllAttempts,
    /// Probe result column.
    Result,
    /// Consecutive results column.
    Run,
    /// Probe output column.
    Output,
    /// Worker verdict column.
    Verdict,
    /// Marker text where the verdict flips.
    VerdictFlipped,
    /// A successful probe.
    Success,
    /// A failed probe.
    Failure,
    /// An unknown probe result.
    Unknown,
    /// Restart / back-off timeline heading.
    RestartTimeline,
    /// An empty timeline.
    NothingYet,
    /// Lifecycle: an instance started.
    LcStarted,
    /// Lifecycle: the restart count of a started instance.
    LcRestartNo,
    /// Lifecycle: an instance exited.
    LcExited,
    /// Lifecycle: exit code label.
    LcExitCode,
    /// Lifecycle: the kubelet killed the instance.
    LcKilled,
    /// Lifecycle: a start was refused (CrashLoopBackOff).
    LcBackOff,
    /// Describe view heading.
    Describe,
    /// Logs heading.
    Logs,
    /// Checkbox: the previous instance's logs.
    PreviousLogs,
    /// No log lines.
    NoLogs,
    /// Resource usage heading.
    Usage,
    /// No running containers to measure.
    NoUsage,
    /// CFS throttled periods column.
    Throttled,
    /// Node journal heading.
    Journal,
    /// Node journal hint.
    JournalIntro,
    /// Lab actions heading.
    Actions,
    /// Lab actions hint.
    ActionsIntro,
    /// HTTP path input label.
    HttpPath,
    /// HTTP status input label.
    HttpStatus,
    /// Button: answer the path with the status.
    ActHttpStatus,
    /// File path input label.
    FilePath,
    /// Button: delete the file.
    ActDeleteFile,
    /// Button: create the file.
    ActCreateFile,
    /// Button: the process exits with code 1.
    ActExit,
    /// Button: the process allocates 100Mi more.
    ActGrowMemory,
    /// Button: the process stops answering.
    ActHang,
    /// Button: kubectl delete pod.
    ActDeletePod,
    /// Button: stop the node's kubelet.
    ActNodeNotReady,
    /// Prefix of an action's error.
    ActionFailed,
    /// Actions taken heading.
    ActionsTaken,
    /// No actions taken.
    NoActionsTaken,
    /// An action that rewind undid; it is taken again when time reaches it.
    ActionPending,
    /// An HTTP status outside 100–599.
    InvalidStatus,
    /// CRI panel heading.
    CriHeading,
    /// CRI panel intro.
    CriIntro,
    /// Checkbox: also show the periodic calls.
    ShowPeriodic,
    /// CRI lane: the runtime daemon.
    LaneRuntime,
    /// CRI lane: the RuntimeClass handler.
    LaneHandler,
    /// CRI lane: the containers.
    LaneContainers,
    /// No CRI calls yet.
    NoCriCalls,
    /// How many older calls are not drawn.
    CriOlderHidden,
    /// Mark of a failed CRI call.
    CriFailed,
    /// Request message heading.
    Request,
    /// Response message heading.
    Response,
    /// crictl panel heading.
    Crictl,
    /// No node to show.
    NoNode,
    /// Runtime switcher heading.
    RuntimeSwitcher,
    /// Runtime switcher intro.
    RuntimeSwitcherIntro,
    /// Container runtime picker label.
    ContainerRuntime,
    /// Handler picker label.
    Handler,
    /// Suffix of a combination the runtime cannot run.
    Unsupported,
    /// Lead-in of the list of unsupported combinations.
    UnsupportedCombinations,
    /// Source of the figures label.
    Source,
    /// What the handler lacks label.
    Lacks,
    /// Note that the profile texts are in English.
    EngineTextEnglish,
    /// Comparison heading.
    Compare,
    /// Comparison intro.
    CompareIntro,
    /// First set-up.
    SetupA,
    /// Second set-up.
    SetupB,
    /// Compare button.
    CompareButton,
    /// Comparison error lead-in.
    CompareFailed,
    /// A set-up the runtime cannot run.
    UnsupportedSetup,
    /// The container did not start.
    NotStarted,
    /// Comparison table: figure column.
    Figure,
    /// Comparison row: RunPodSandbox duration.
    SandboxStart,
    /// Comparison row: Scheduled to Started.
    ScheduledToStarted,
    /// Comparison row: memory per sandbox.
    SandboxMemory,
    /// Comparison row: runtime daemon memory.
    DaemonMemory,
    /// Sources heading.
    Sources,
}

/// The string for `key` in `lang`.
pub fn t(lang: Lang, key: Key) -> &'static str {
    use Key::*;
    match (lang, key) {
        (Lang::Ko, Title) => "nodelab — 워커 노드 실습",
        (Lang::En, Title) => "nodelab — worker node lab",
        (Lang::Ko, Breadcrumb) => "2주차 › 1일차 › 세션 7",
        (Lang::En, Breadcrumb) => "Week 2 › Day 1 › Session 7",
        (Lang::Ko, LabHeading) => "kubelet과 kube-proxy 실습",
        (Lang::En, LabHeading) => "kubelet and kube-proxy lab",
        (Lang::Ko, LabIntro) => {
            "Pod 매니페스트를 적용하고 한 단계씩 진행하며 스케줄러, kubelet, 컨테이너 런타임이 무엇을 하는지 확인하세요."
        }
        (Lang::En, LabIntro) => {
            "Apply a Pod manifest and step through what the scheduler, the kubelet and the container runtime do with it."
        }
        (Lang::Ko, Manifest) => "매니페스트 (YAML)",
        (Lang::En, Manifest) => "Manifest (YAML)",
        (Lang::Ko, Apply) => "적용",
        (Lang::En, Apply) => "Apply",
        (Lang::Ko, Reset) => "원래대로",
        (Lang::En, Reset) => "Reset",
        (Lang::Ko, Play) => "재생",
        (Lang::En, Play) => "Play",
        (Lang::Ko, Pause) => "일시정지",
        (Lang::En, Pause) => "Pause",
        (Lang::Ko, Step) => "다음 이벤트",
        (Lang::En, Step) => "Step",
        (Lang::Ko, Rewind) => "처음으로",
        (Lang::En, Rewind) => "Rewind",
        (Lang::Ko, Time) => "시뮬레이션 시각",
        (Lang::En, Time) => "Simulated time",
        (Lang::Ko, Pods) => "kubectl get pods -o wide",
        (Lang::En, Pods) => "kubectl get pods -o wide",
        (Lang::Ko, Events) => "이벤트",
        (Lang::En, Events) => "Events",
        (Lang::Ko, NoPods) => "Pod가 없습니다.",
        (Lang::En, NoPods) => "No pods.",
        (Lang::Ko, NoEvents) => "아직 이벤트가 없습니다.",
        (Lang::En, NoEvents) => "No events yet.",
        (Lang::Ko, OtherLanguage) => "English",
        (Lang::En, OtherLanguage) => "한국어",
        (Lang::Ko, Crashed) => "문제가 발생해 실습이 멈췄습니다.",
        (Lang::En, Crashed) => "Something went wrong and the lab stopped.",
        (Lang::Ko, CrashReset) => "초기화하고 다시 불러오기",
        (Lang::En, CrashReset) => "Reset and reload",
        (Lang::Ko, NotFound) => "페이지를 찾을 수 없습니다.",
        (Lang::En, NotFound) => "Page not found.",
        (Lang::Ko, Idle) => "더 일어날 일이 없습니다.",
        (Lang::En, Idle) => "Nothing more will happen.",
        (Lang::Ko, Scenario) => "시나리오",
        (Lang::En, Scenario) => "Scenario",
        (Lang::Ko, ScenarioNginx) => "nginx Pod (nginx-pod)",
        (Lang::En, ScenarioNginx) => "nginx Pod (nginx-pod)",
        (Lang::Ko, ScenarioLivenessHttp) => "HTTP liveness probe (liveness-http)",
        (Lang::En, ScenarioLivenessHttp) => "HTTP liveness probe (liveness-http)",
        (Lang::Ko, SelectPod) => "이 Pod 선택",
        (Lang::En, SelectPod) => "Select this pod",
        (Lang::Ko, SelectedPod) => "선택한 Pod",
        (Lang::En, SelectedPod) => "Selected pod",
        (Lang::Ko, NoPodSelected) => "표시할 Pod가 없습니다. 표에서 Pod를 선택하세요.",
        (Lang::En, NoPodSelected) => "No pod to show. Select a pod in the table.",
        (Lang::Ko, Conditions) => "상태와 조건 (status)",
        (Lang::En, Conditions) => "Status and conditions",
        (Lang::Ko, Phase) => "단계 (phase)",
        (Lang::En, Phase) => "Phase",
        (Lang::Ko, QosClass) => "QoS 클래스 (qosClass)",
        (Lang::En, QosClass) => "QoS class",
        (Lang::Ko, PodIp) => "Pod IP (podIP)",
        (Lang::En, PodIp) => "Pod IP",
        (Lang::Ko, NodeLabel) => "노드",
        (Lang::En, NodeLabel) => "Node",
        (Lang::Ko, ConditionType) => "유형",
        (Lang::En, ConditionType) => "Type",
        (Lang::Ko, ConditionStatus) => "상태",
        (Lang::En, ConditionStatus) => "Status",
        (Lang::Ko, Reason) => "이유",
        (Lang::En, Reason) => "Reason",
        (Lang::Ko, Message) => "메시지",
        (Lang::En, Message) => "Message",
        (Lang::Ko, LastTransition) => "마지막 전환 시각",
        (Lang::En, LastTransition) => "Last transition",
        (Lang::Ko, NoConditions) => "아직 조건이 없습니다.",
        (Lang::En, NoConditions) => "No conditions yet.",
        (Lang::Ko, ContainerStatuses) => "컨테이너 상태",
        (Lang::En, ContainerStatuses) => "Container statuses",
        (Lang::Ko, Container) => "컨테이너",
        (Lang::En, Container) => "Container",
        (Lang::Ko, State) => "현재 상태 (state)",
        (Lang::En, State) => "State",
        (Lang::Ko, Ready) => "준비됨 (ready)",
        (Lang::En, Ready) => "Ready",
        (Lang::Ko, Started) => "시작됨 (started)",
        (Lang::En, Started) => "Started",
        (Lang::Ko, RestartCount) => "재시작 횟수",
        (Lang::En, RestartCount) => "Restarts",
        (Lang::Ko, LastState) => "이전 상태 (lastState)",
        (Lang::En, LastState) => "Last state",
        (Lang::Ko, NoContainerStatuses) => "아직 컨테이너 상태가 없습니다.",
        (Lang::En, NoContainerStatuses) => "No container statuses yet.",
        (Lang::Ko, ProbeTimeline) => "프로브 타임라인",
        (Lang::En, ProbeTimeline) => "Probe timeline",
        (Lang::Ko, NoProbes) => "프로브가 없습니다.",
        (Lang::En, NoProbes) => "No probes.",
        (Lang::Ko, NoAttempts) => "아직 실행되지 않았습니다.",
        (Lang::En, NoAttempts) => "Not run yet.",
        (Lang::Ko, AllAttempts) => "모든 시도 보기",
        (Lang::En, AllAttempts) => "Every attempt",
        (Lang::Ko, Result) => "결과",
        (Lang::En, Result) => "Result",
        (Lang::Ko, Run) => "연속 횟수 / 임계값",
        (Lang::En, Run) => "In a row / threshold",
        (Lang::Ko, Output) => "출력",
        (Lang::En, Output) => "Output",
        (Lang::Ko, Verdict) => "판정",
        (Lang::En, Verdict) => "Verdict",
        (Lang::Ko, VerdictFlipped) => "판정 바뀜",
        (Lang::En, VerdictFlipped) => "verdict flipped",
        (Lang::Ko, Success) => "성공",
        (Lang::En, Success) => "success",
        (Lang::Ko, Failure) => "실패",
        (Lang::En, Failure) => "failure",
        (Lang::Ko, Unknown) => "알 수 없음",
        (Lang::En, Unknown) => "unknown",
        (Lang::Ko, RestartTimeline) => "재시작 / 백오프 타임라인",
        (Lang::En, RestartTimeline) => "Restart / back-off timeline",
        (Lang::Ko, NothingYet) => "아직 없습니다.",
        (Lang::En, NothingYet) => "Nothing yet.",
        (Lang::Ko, LcStarted) => "시작됨",
        (Lang::En, LcStarted) => "Started",
        (Lang::Ko, LcRestartNo) => "재시작 횟수",
        (Lang::En, LcRestartNo) => "restart count",
        (Lang::Ko, LcExited) => "종료됨",
        (Lang::En, LcExited) => "Exited",
        (Lang::Ko, LcExitCode) => "종료 코드",
        (Lang::En, LcExitCode) => "exit code",
        (Lang::Ko, LcKilled) => "kubelet이 종료시킴",
        (Lang::En, LcKilled) => "Killed",
        (Lang::Ko, LcBackOff) => "재시작 대기 (back-off)",
        (Lang::En, LcBackOff) => "Back-off",
        (Lang::Ko, Describe) => "kubectl describe pod",
        (Lang::En, Describe) => "kubectl describe pod",
        (Lang::Ko, Logs) => "kubectl logs",
        (Lang::En, Logs) => "kubectl logs",
        (Lang::Ko, PreviousLogs) => "이전 인스턴스 (--previous)",
        (Lang::En, PreviousLogs) => "Previous instance (--previous)",
        (Lang::Ko, NoLogs) => "로그가 없습니다.",
        (Lang::En, NoLogs) => "No log lines.",
        (Lang::Ko, Usage) => "자원 사용량 (kubectl top)",
        (Lang::En, Usage) => "Resource use (kubectl top)",
        (Lang::Ko, NoUsage) => "실행 중인 컨테이너가 없습니다.",
        (Lang::En, NoUsage) => "No running containers.",
        (Lang::Ko, Throttled) => "CFS 스로틀링 (주기)",
        (Lang::En, Throttled) => "CFS throttled (periods)",
        (Lang::Ko, Journal) => "노드 저널 (journalctl)",
        (Lang::En, Journal) => "Node journal (journalctl)",
        (Lang::Ko, JournalIntro) => {
            "볼륨 마운트·해제, CNI ADD/DEL, 샌드박스와 컨테이너 단계를 노드의 로그로 보여 줍니다."
        }
        (Lang::En, JournalIntro) => {
            "Volume set-up and tear-down, CNI ADD/DEL, sandbox and container steps, as the node logs them."
        }
        (Lang::Ko, Actions) => "실습 동작",
        (Lang::En, Actions) => "Lab actions",
        (Lang::Ko, ActionsIntro) => {
            "선택한 Pod에 장애를 일으켜 보세요. 동작은 현재 시뮬레이션 시각에 적용됩니다."
        }
        (Lang::En, ActionsIntro) => {
            "Break the selected pod. Actions happen at the current simulated time."
        }
        (Lang::Ko, HttpPath) => "HTTP 경로",
        (Lang::En, HttpPath) => "HTTP path",
        (Lang::Ko, HttpStatus) => "응답 코드",
        (Lang::En, HttpStatus) => "Status code",
        (Lang::Ko, ActHttpStatus) => "이 경로에 이 코드로 응답",
        (Lang::En, ActHttpStatus) => "Answer this path with this code",
        (Lang::Ko, FilePath) => "파일 경로",
        (Lang::En, FilePath) => "File path",
        (Lang::Ko, ActDeleteFile) => "파일 삭제",
        (Lang::En, ActDeleteFile) => "Delete the file",
        (Lang::Ko, ActCreateFile) => "파일 만들기",
        (Lang::En, ActCreateFile) => "Create the file",
        (Lang::Ko, ActExit) => "프로세스를 코드 1로 종료",
        (Lang::En, ActExit) => "Make the process exit with code 1",
        (Lang::Ko, ActGrowMemory) => "메모리 100Mi 더 사용",
        (Lang::En, ActGrowMemory) => "Allocate 100Mi more memory",
        (Lang::Ko, ActHang) => "응답 멈추기",
        (Lang::En, ActHang) => "Stop answering",
        (Lang::Ko, ActDeletePod) => "Pod 삭제",
        (Lang::En, ActDeletePod) => "Delete the pod",
        (Lang::Ko, ActNodeNotReady) => "노드를 NotReady로 (kubelet 중지)",
        (Lang::En, ActNodeNotReady) => "Make the node NotReady (stop its kubelet)",
        (Lang::Ko, ActionFailed) => "동작 실패:",
        (Lang::En, ActionFailed) => "Action failed:",
        (Lang::Ko, ActionsTaken) => "실행한 동작",
        (Lang::En, ActionsTaken) => "Actions taken",
        (Lang::Ko, NoActionsTaken) => "아직 실행한 동작이 없습니다.",
        (Lang::En, NoActionsTaken) => "No actions taken yet.",
        (Lang::Ko, ActionPending) => "되감기 후 대기 중: 그 시각이 되면 다시 실행됩니다",
        (Lang::En, ActionPending) => "Rewound: taken again when time reaches it",
        (Lang::Ko, InvalidStatus) => "응답 코드는 100에서 599 사이의 숫자여야 합니다.",
        (Lang::En, InvalidStatus) => "The status code must be a number from 100 to 599.",
        (Lang::Ko, CriHeading) => "CRI 호출",
        (Lang::En, CriHeading) => "CRI calls",
        (Lang::Ko, CriIntro) => {
            "kubelet이 컨테이너 런타임에 보낸 CRI 호출을 시간 순서대로 보여 줍니다. 화살표는 호출이 닿는 곳(런타임, 핸들러, 컨테이너)까지 이어집니다. 호출을 누르면 요청과 응답 JSON이 펼쳐집니다."
        }
        (Lang::En, CriIntro) => {
            "The CRI calls the kubelet made to its container runtime, oldest first. Each arrow reaches what the call acts on (the runtime, the handler, the containers). Select a call to see its request and response JSON."
        }
        (Lang::Ko, ShowPeriodic) => {
            "주기적 호출도 보기 (ListPodSandbox, ListContainers, Status, Version, ImageFsInfo, ListImages)"
        }
        (Lang::En, ShowPeriodic) => {
            "Show periodic calls (ListPodSandbox, ListContainers, Status, Version, ImageFsInfo, ListImages)"
        }
        (Lang::Ko, LaneRuntime) => "런타임",
        (Lang::En, LaneRuntime) => "Runtime",
        (Lang::Ko, LaneHandler) => "핸들러",
        (Lang::En, LaneHandler) => "Handler",
        (Lang::Ko, LaneContainers) => "컨테이너",
        (Lang::En, LaneContainers) => "Containers",
        (Lang::Ko, NoCriCalls) => "아직 CRI 호출이 없습니다.",
        (Lang::En, NoCriCalls) => "No CRI calls yet.",
        (Lang::Ko, CriOlderHidden) => "표시하지 않은 이전 호출 수:",
        (Lang::En, CriOlderHidden) => "Older calls not shown:",
        (Lang::Ko, CriFailed) => "실패",
        (Lang::En, CriFailed) => "failed",
        (Lang::Ko, Request) => "요청",
        (Lang::En, Request) => "Request",
        (Lang::Ko, Response) => "응답",
        (Lang::En, Response) => "Response",
        (Lang::Ko, Crictl) => "노드의 crictl",
        (Lang::En, Crictl) => "crictl on the node",
        (Lang::Ko, NoNode) => "노드가 없습니다.",
        (Lang::En, NoNode) => "No node.",
        (Lang::Ko, RuntimeSwitcher) => "컨테이너 런타임과 핸들러",
        (Lang::En, RuntimeSwitcher) => "Container runtime and handler",
        (Lang::Ko, RuntimeSwitcherIntro) => {
            "바꾸면 편집기의 현재 YAML로 t = 0부터 다시 시작합니다."
        }
        (Lang::En, RuntimeSwitcherIntro) => {
            "Changing either restarts the lab from t = 0 with the editor's current YAML."
        }
        (Lang::Ko, ContainerRuntime) => "컨테이너 런타임",
        (Lang::En, ContainerRuntime) => "Container runtime",
        (Lang::Ko, Handler) => "핸들러 (RuntimeClass)",
        (Lang::En, Handler) => "Handler (RuntimeClass)",
        (Lang::Ko, Unsupported) => "미지원",
        (Lang::En, Unsupported) => "not supported",
        (Lang::Ko, UnsupportedCombinations) => "지원되지 않는 조합:",
        (Lang::En, UnsupportedCombinations) => "Combinations that are not supported:",
        (Lang::Ko, Source) => "수치 출처",
        (Lang::En, Source) => "Source of the figures",
        (Lang::Ko, Lacks) => "지원하지 않는 것",
        (Lang::En, Lacks) => "What it lacks",
        (Lang::Ko, EngineTextEnglish) => "설명과 출처는 원문(영어)으로 표시합니다.",
        (Lang::En, EngineTextEnglish) => "Descriptions and sources are shown as written.",
        (Lang::Ko, Compare) => "두 설정 나란히 비교",
        (Lang::En, Compare) => "Side-by-side comparison",
        (Lang::Ko, CompareIntro) => {
            "편집기의 현재 YAML을 두 설정에서 각각 120초 동안 실행하고 첫 번째 Pod의 수치를 비교합니다."
        }
        (Lang::En, CompareIntro) => {
            "Runs the editor's current YAML for 120 s on each set-up and compares the first pod's figures."
        }
        (Lang::Ko, SetupA) => "설정 A",
        (Lang::En, SetupA) => "Set-up A",
        (Lang::Ko, SetupB) => "설정 B",
        (Lang::En, SetupB) => "Set-up B",
        (Lang::Ko, CompareButton) => "비교",
        (Lang::En, CompareButton) => "Compare",
        (Lang::Ko, CompareFailed) => "비교 실패:",
        (Lang::En, CompareFailed) => "Comparison failed:",
        (Lang::Ko, UnsupportedSetup) => "지원되지 않는 조합입니다:",
        (Lang::En, UnsupportedSetup) => "Not a supported combination:",
        (Lang::Ko, NotStarted) => "시작하지 않음",
        (Lang::En, NotStarted) => "did not start",
        (Lang::Ko, Figure) => "항목",
        (Lang::En, Figure) => "Figure",
        (Lang::Ko, SandboxStart) => "샌드박스 시작 (RunPodSandbox, ms)",
        (Lang::En, SandboxStart) => "Sandbox start (RunPodSandbox, ms)",
        (Lang::Ko, ScheduledToStarted) => "Scheduled부터 Started까지 (ms, 이미지 받기 포함)",
        (Lang::En, ScheduledToStarted) => "Scheduled to Started (ms, image pull included)",
        (Lang::Ko, SandboxMemory) => "샌드박스당 메모리 (MiB)",
        (Lang::En, SandboxMemory) => "Memory per sandbox (MiB)",
        (Lang::Ko, DaemonMemory) => "런타임 데몬 메모리 (MiB)",
        (Lang::En, DaemonMemory) => "Runtime daemon memory (MiB)",
        (Lang::Ko, Sources) => "출처",
        (Lang::En, Sources) => "Sources",
    }
}
